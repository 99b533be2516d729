// Each test starts from an empty document and English, whatever the machine's locale says. Both
// languages' catalogs are fetched once first (the app fetches them on demand: lib/i18n.ts), so a
// test switches language at once.
import { cleanup } from "@testing-library/preact";
import { afterEach, beforeAll, beforeEach } from "vitest";
import { loadCatalog, setLanguage } from "../src/lib/i18n";

beforeAll(async () => {
  await Promise.all([loadCatalog("en"), loadCatalog("de")]);
});

beforeEach(async () => {
  await setLanguage("en");
});

afterEach(() => {
  cleanup();
});
