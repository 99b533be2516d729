// Each test starts from an empty document and English, whatever the machine's locale says.
import { cleanup } from "@testing-library/preact";
import { afterEach, beforeEach } from "vitest";
import { setLanguage } from "../src/lib/i18n";

beforeEach(() => {
  setLanguage("en");
});

afterEach(() => {
  cleanup();
});
