import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";
import { apiRoutesTable } from "./api-routes.ts";
import { precompress } from "./precompress.ts";

export default defineConfig(({ command, mode }) => {
  // A build started from a test runner inherits NODE_ENV=test, which would bundle React's
  // development build: the server must always serve the production one.
  if (command === "build" && mode === "production") process.env.NODE_ENV = "production";
  return {
    plugins: [apiRoutesTable(), react(), precompress(fileURLToPath(new URL("./dist", import.meta.url)))],
    resolve: {
      // Workspace packages (@codepark/sdk) are read from their TypeScript sources, not a build.
      conditions: ["@codepark/source", ...defaultClientConditions],
      alias: [
        // y-monaco imports monaco's old entry point, which monaco ≥ 0.56 no longer exports.
        {
          find: /^monaco-editor\/esm\/vs\/editor\/editor\.api(\.js)?$/,
          replacement: "monaco-editor/editor",
        },
      ],
    },
    build: {
      outDir: "dist",
      assetsDir: "assets",
      emptyOutDir: true,
      sourcemap: false,
      // Monaco is one large, lazily loaded chunk by design; the initial bundle stays small.
      chunkSizeWarningLimit: 4000,
    },
    server: {
      proxy: {
        "/api": "http://127.0.0.1:3000",
        "/collab": { target: "ws://127.0.0.1:3000", ws: true },
        "/socket.io": { target: "ws://127.0.0.1:3000", ws: true },
      },
    },
  };
});
