import { defineConfig } from "vite";

// The app is served by the Function App from the same origin (strict CSP: no inline scripts,
// no CDN), so every asset is bundled into dist/ with content hashes under assets/.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    fs: { allow: [".."] },
  },
});
