// Builds the web app when its production build is missing or older than its sources, so that
// `npm start` (and the browser tests) always serve the current app without a separate step.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const web = new URL("../apps/web/", import.meta.url).pathname;
const built = join(web, "dist", "index.html");

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

// The protocol too: the bundle carries its route table and event names.
const sources = [
  "src",
  "public",
  "index.html",
  "vite.config.ts",
  "precompress.ts",
  "api-routes.ts",
  "package.json",
  "../../packages/protocol/src",
].map((entry) => join(web, entry));
const stale =
  !existsSync(built) ||
  sources.some((source) => existsSync(source) && newestMtime(source) > statSync(built).mtimeMs);
if (stale) {
  console.log("Building the web app (apps/web) …");
  const result = spawnSync("npm", ["run", "build", "-w", "@codepark/web"], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
