import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Plugin, defineConfig } from "vite";

const CATALOGS = fileURLToPath(new URL("../shared/i18n/", import.meta.url));
const CATALOG_ID = "virtual:catalog/";

/** The API's own error texts the app shows itself: a sign-in with Microsoft that failed comes
 * back as ``?entraError=<code>`` (lib/entra.ts), raised by shared/identity/entra.py. Every other
 * problem reaches the browser already localised, in the API's answer. */
const WEB_ERRORS = [
  /^entra_/,
  /^(fresh_auth_required|permission_denied|not_found|concurrency_conflict|invalid_input|unauthenticated)$/,
];

/** What the browser needs of a shared catalog (shared/i18n/<language>.json): the "web" subtree
 * and the few error texts above, not the API's messages, e-mails and reports (issue 29). */
export function webCatalog(full: Record<string, unknown>): Record<string, unknown> {
  const errors = (full.errors ?? {}) as Record<string, unknown>;
  const wanted = Object.keys(errors).filter((code) => WEB_ERRORS.some((pattern) => pattern.test(code)));
  return { web: full.web, errors: Object.fromEntries(wanted.map((code) => [code, errors[code]])) };
}

/** ``import("virtual:catalog/de")``: one language's web catalog as its own chunk, loaded when that
 * language is shown (lib/i18n.ts). */
function webCatalogs(): Plugin {
  return {
    name: "casedesk-web-catalogs",
    resolveId(id) {
      return id.startsWith(CATALOG_ID) ? `\0${id}` : undefined;
    },
    load(id) {
      if (!id.startsWith(`\0${CATALOG_ID}`)) return undefined;
      const language = id.slice(CATALOG_ID.length + 1);
      if (!/^[a-z]{2}$/.test(language)) throw new Error(`no catalog for ${language}`);
      const file = `${CATALOGS}${language}.json`;
      this.addWatchFile(file);
      const catalog = webCatalog(JSON.parse(readFileSync(file, "utf8")));
      // JSON.parse of a string literal: parsed faster than an object literal of the same size.
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(catalog))});`;
    },
  };
}

// The app is served by the Function App from the same origin (strict CSP: no inline scripts or
// styles, no CDN), so every asset is bundled into dist/ with content hashes under assets/. Each
// page is its own chunk (app.tsx imports them on demand), and so is each language's catalog.
export default defineConfig({
  base: "/",
  plugins: [webCatalogs()],
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    // Vite's preload helper would inline nothing, but the polyfill is not needed by Chromium,
    // Firefox or Safari versions that run module scripts at all.
    modulePreload: { polyfill: false },
  },
  server: {
    fs: { allow: [".."] },
  },
});
