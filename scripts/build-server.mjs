// Production build of the server: one ESM file, apps/server/dist/main.js, that plain `node` runs
// (no tsx at run time). The server's own code, the workspace packages (@codepark/*, which export
// TypeScript sources) and most npm packages are bundled: resolving and reading several hundred
// package files was ~0.5 s of CPU at every start. Left external, and so loaded from the production
// install (`npm ci --omit=dev`) as always: packages that read files next to their own code at run
// time (PGlite's WebAssembly, argon2's native binding, swagger-ui's assets, pino's worker files) and
// those the server imports only when a setting asks for them (Redis, PostgreSQL, SMTP, OIDC, TOTP),
// which a start without that setting never loads. Bundled CommonJS gets a `require` for Node's
// built-in modules (and the optional native ws helpers, which it tries and does without).
//
// Files read at run time next to the code (`new URL("./migrations", import.meta.url)`) keep working
// because dist/ mirrors src/: each module's `import.meta.url` is rewritten to where that module
// would sit in dist/ (src/infra/db/database.ts → dist/infra/db/database.ts), and every non-TypeScript
// file under src/ (the SQL migrations and their journal) is copied to the same place in dist/.
// dist/ is a sibling of src/, so paths that leave the package (the web app's ../../../../web/dist)
// resolve exactly as they do from the sources.
//
// Usage: node scripts/build-server.mjs [--root <dir>]
//   --root builds into <dir>/apps/server/dist instead of this repository's (the tests use it to
//   run the build in a directory laid out like the container image).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repo = fileURLToPath(new URL("..", import.meta.url));
const serverDir = join(repo, "apps", "server");
const srcDir = join(serverDir, "src");

const rootFlag = process.argv.indexOf("--root");
const outRoot = rootFlag === -1 ? repo : resolve(process.argv[rootFlag + 1] ?? "");
const distDir = join(outRoot, "apps", "server", "dist");

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const WORKSPACE_SCOPE = "@codepark/";
const BUILTINS = new Set(builtinModules);

/** npm packages that stay external (see the top of this file). */
const EXTERNAL_PACKAGES = new Set([
  "@electric-sql/pglite",
  "@node-rs/argon2",
  "@fastify/static",
  "@fastify/swagger",
  "@fastify/swagger-ui",
  "pino",
  "ioredis",
  "@socket.io/redis-streams-adapter",
  "pg",
  "nodemailer",
  "openid-client",
  "otplib",
  "qrcode",
  // One graphql-js for Mercurius and the server, which takes it as Mercurius does (CommonJS, at run
  // time: transport/graphql/graphql-js.ts); a bundled Mercurius would carry a second copy.
  "mercurius",
  "graphql",
  // Optional native helpers ws tries to require (and does without).
  "bufferutil",
  "utf-8-validate",
]);

/** Packages the bundle may import at run time: the production dependencies of what it bundles. */
function productionDependencies() {
  const manifests = [join(serverDir, "package.json"), join(repo, "packages", "protocol", "package.json")];
  const names = new Set();
  for (const manifest of manifests) {
    for (const name of Object.keys(readJson(manifest).dependencies ?? {})) {
      if (!name.startsWith(WORKSPACE_SCOPE)) names.add(name);
    }
  }
  return names;
}

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * What the server's own code imports must be a production dependency (else the image would lack
 * it); what the packages import is bundled with them, except Node's modules and EXTERNAL_PACKAGES.
 */
const externalPackages = {
  name: "external-packages",
  setup(pluginBuild) {
    const allowed = productionDependencies();
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:") || args.path.startsWith(WORKSPACE_SCOPE)) return undefined;
      const name = packageName(args.path);
      if (BUILTINS.has(name)) return { path: args.path, external: true };
      const external = EXTERNAL_PACKAGES.has(name);
      if (args.importer.includes(`${sep}node_modules${sep}`)) {
        return external ? { path: args.path, external: true } : undefined;
      }
      if (!allowed.has(name)) {
        return {
          errors: [
            {
              text: `"${args.path}" is imported by the server but "${name}" is not a production dependency of @codepark/server or @codepark/protocol, so the image would not have it`,
            },
          ],
        };
      }
      return external ? { path: args.path, external: true } : undefined;
    });
  },
};

const toUrlPath = (path) => path.split(sep).join("/");

/** Each bundled module sees the import.meta.url it would have in dist/ (see the top of this file). */
const moduleUrls = {
  name: "module-urls",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      let where = toUrlPath(relative(srcDir, args.path));
      if (!where.startsWith("../")) where = `./${where}`;
      return {
        contents: source.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(where)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
};

/** Files under src/ that are not code (SQL migrations, their journal) go to the same place in dist/. */
function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copyAssets(source, target);
    else if (!entry.name.endsWith(".ts")) {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(source, target);
    }
  }
}

rmSync(distDir, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(srcDir, "main.ts")],
  outfile: join(distDir, "main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Class and function names stay as written: logs and error names read the same as under tsx.
  keepNames: true,
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
  metafile: true,
  plugins: [externalPackages, moduleUrls],
  // Bundled CommonJS calls require() for Node's modules; an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __codeparkCreateRequire } from "node:module"; const require = __codeparkCreateRequire(import.meta.url);',
  },
});
copyAssets(srcDir, distDir);
// dist/ says it holds ES modules itself, so main.js runs wherever dist/ is copied (the image copies
// no package.json of the repository).
writeFileSync(
  join(distDir, "package.json"),
  `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`,
);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(
  `Built ${relative(process.cwd(), join(distDir, "main.js")) || "main.js"} (${Math.round(bytes / 1024)} KiB with its source map)`,
);
