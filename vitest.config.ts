import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Workspace packages (@codepark/sdk) are read from their TypeScript sources, not a build.
  resolve: { conditions: ["@codepark/source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["@codepark/source", ...defaultServerConditions] } },
  test: {
    include: [
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "packages/sdk/test/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Each file boots its own PGlite (a few seconds of WASM start-up); two cores.
    maxWorkers: 2,
  },
});
