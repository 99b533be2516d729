import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

// Component tests (web/test/*.test.tsx): the app's own Vite transform (Preact JSX), a DOM from
// happy-dom, no browser. Run by `npm test`, which tests/unit/test_web_components.py runs in
// `make test`.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: "happy-dom",
      include: ["test/**/*.test.{ts,tsx}"],
      setupFiles: ["test/setup.ts"],
      pool: "threads",
      maxWorkers: 2,
    },
  }),
);
