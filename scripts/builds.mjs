// What `npm start` needs built, rebuilt when missing or older than its sources: the web app
// (apps/web/dist, Vite) and the server bundle (apps/server/dist/main.js, scripts/build-server.mjs).
// A check walks the source trees' modification times (a few ms); a build runs only when stale.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

/** True when `output` is missing or any of `sources` (files or trees, relative to the repo) is newer. */
function stale(output, sources) {
  const built = join(repo, output);
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return sources
    .map((entry) => join(repo, entry))
    .some((path) => existsSync(path) && newestMtime(path) > builtAt);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: repo, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

/** The web app; the protocol and the SDK too, since the bundle carries the route table and the client. */
export function ensureWebBuild() {
  const sources = [
    "src",
    "public",
    "index.html",
    "vite.config.ts",
    "precompress.ts",
    "api-routes.ts",
    "package.json",
  ]
    .map((entry) => `apps/web/${entry}`)
    .concat("packages/protocol/src", "packages/sdk/src");
  if (!stale("apps/web/dist/index.html", sources)) return;
  console.log("Building the web app (apps/web) …");
  run("npm", ["run", "build", "-w", "@codepark/web"]);
}

/**
 * The server bundle: its sources (with the SQL migrations), the protocol and the npm packages it
 * bundles (an install rewrites package-lock.json), the build script.
 */
export function ensureServerBuild() {
  const sources = [
    "apps/server/src",
    "apps/server/package.json",
    "packages/protocol/src",
    "packages/protocol/package.json",
    "scripts/build-server.mjs",
    "package-lock.json",
  ];
  if (!stale("apps/server/dist/main.js", sources)) return;
  console.log("Building the server (apps/server/dist) …");
  run(process.execPath, [join(repo, "scripts", "build-server.mjs")]);
}
