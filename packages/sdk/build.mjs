// Builds the published package: compiled ESM + .d.ts in dist/. @codepark/protocol is private and
// ships TypeScript, so the protocol files the SDK uses are compiled alongside (dist/protocol/) and the
// SDK's imports of it are rewritten to relative paths: one package to install, types included.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const tsc = join(here, "..", "..", "node_modules", "typescript", "bin", "tsc");

rmSync(dist, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, "-p", join(here, "tsconfig.build.json")], {
  stdio: "inherit",
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

/** Where each protocol entry point landed in dist. */
const entries = {
  "@codepark/protocol/api": join(dist, "protocol", "src", "api", "index.js"),
  "@codepark/protocol": join(dist, "protocol", "src", "index.js"),
};

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(js|d\.ts)$/.test(entry.name)) yield path;
  }
}

for (const file of files(dist)) {
  const source = readFileSync(file, "utf8");
  const rewritten = source.replace(/(["'])(@codepark\/protocol(?:\/api)?)\1/g, (_, quote, specifier) => {
    let target = relative(dirname(file), entries[specifier]).replaceAll("\\", "/");
    if (!target.startsWith(".")) target = `./${target}`;
    return `${quote}${target}${quote}`;
  });
  // tsc rewrites `./x.ts` to `./x.js` in JavaScript, not in declarations: do the same there.
  const declarations = file.endsWith(".d.ts")
    ? rewritten.replace(/(["'])(\.{1,2}\/[^"']+)\.ts\1/g, (_, quote, path) => `${quote}${path}.js${quote}`)
    : rewritten;
  if (declarations !== source) writeFileSync(file, declarations);
}
console.log(`@codepark/sdk built in ${relative(process.cwd(), dist) || "dist"}`);
