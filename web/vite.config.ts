import { defineConfig } from "vite";

// The app is served by the Function App from the same origin (strict CSP: no inline scripts or
// styles, no CDN), so every asset is bundled into dist/ with content hashes under assets/.
export default defineConfig({
  base: "/",
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
