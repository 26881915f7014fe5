import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { registerUser, startTestServer, type TestServer } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const sdkDir = fileURLToPath(new URL("..", import.meta.url));
const repo = join(sdkDir, "..", "..");
const dist = join(sdkDir, "dist");
const manifest = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  exports: Record<string, Record<string, string>>;
};

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Without blocking: the test server answers from this same process. */
function runAsync(command: string, args: string[], cwd: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: "" } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** The published package, as a consumer outside this repo's source conditions gets it. */
describe("@codepark/sdk as published", () => {
  let server: TestServer;
  beforeAll(async () => {
    const built = run(process.execPath, ["build.mjs"], sdkDir);
    expect(built.status, built.output).toBe(0);
    server = await startTestServer("pglite");
  }, 120_000);
  afterAll(() => server?.stop());

  it("packs only dist, the README and package.json, and points its exports at dist", () => {
    const packed = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], sdkDir);
    expect(packed.status, packed.output).toBe(0);
    const paths = (
      JSON.parse(packed.output.slice(packed.output.indexOf("["))) as { files: { path: string }[] }[]
    )[0]!.files.map((file) => file.path);
    expect(paths.filter((path) => !path.startsWith("dist/")).sort()).toEqual(["README.md", "package.json"]);
    expect(paths).toContain("dist/sdk/src/index.js");
    expect(paths).toContain("dist/sdk/src/index.d.ts");
    expect(paths.filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"))).toEqual([]);
    const root = manifest.exports["."]!;
    expect(root.default).toBe("./dist/sdk/src/index.js");
    expect(root.types).toBe("./dist/sdk/src/index.d.ts");
  });

  it("imports only its declared dependencies: no server code, no workspace package, no TypeScript", () => {
    const allowed = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
    ]);
    const used = new Set<string>();
    for (const file of filesUnder(dist)) {
      const text = readFileSync(file, "utf8");
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm),
        ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ];
      for (const [, specifier] of specifiers) {
        const where = `${relative(sdkDir, file)} imports ${specifier}`;
        if (specifier!.startsWith(".")) {
          expect(specifier, where).toMatch(/\.js$/);
          continue;
        }
        const name = specifier!.startsWith("@")
          ? specifier!.split("/").slice(0, 2).join("/")
          : specifier!.split("/")[0]!;
        expect(allowed.has(name), where).toBe(true);
        used.add(name);
      }
    }
    expect([...used].sort()).toEqual(["graphql-ws", "socket.io-client", "y-websocket", "yjs", "zod"]);
  });

  it("runs in plain Node from dist: signs in with credentials and pages through projects", async () => {
    const user = await registerUser(server.api, "Published");
    const script = `
      import { createClient } from "@codepark/sdk";
      const client = createClient({ baseUrl: ${JSON.stringify(server.baseUrl)},
        credentials: { email: ${JSON.stringify(user.email)}, password: ${JSON.stringify(user.password)} } });
      await client.projects.create({ name: "from dist" });
      const names = [];
      for await (const project of client.projects.all()) names.push(project.name);
      console.log(JSON.stringify({ names, resolved: import.meta.resolve("@codepark/sdk") }));`;
    const result = await runAsync(process.execPath, ["--input-type=module", "-e", script], repo);
    expect(result.status, result.output).toBe(0);
    const answer = JSON.parse(result.output.trim().split("\n").at(-1)!) as {
      names: string[];
      resolved: string;
    };
    expect(answer.names).toEqual(["from dist"]);
    expect(answer.resolved).toMatch(/\/packages\/sdk\/dist\/sdk\/src\/index\.js$/);
  });

  it("type-checks a consumer against the .d.ts files, and refuses a wrong call", () => {
    const dir = mkdtempSync(join(sdkDir, ".consumer-"));
    try {
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            noEmit: true,
            types: [],
          },
          include: ["consumer.ts"],
        }),
      );
      writeFileSync(
        join(dir, "consumer.ts"),
        [
          'import { createClient, ProblemError } from "@codepark/sdk";',
          'const client = createClient({ baseUrl: "https://codepark.example", apiKey: "cpk_x" });',
          "export async function use(): Promise<string> {",
          '  const hook = await client.webhooks.create({ url: "https://example.com/hook", events: ["project.updated"] });',
          "  for await (const project of client.projects.all()) void (project.name satisfies string);",
          "  // @ts-expect-error the project id is required",
          "  await client.projects.get({});",
          "  const failure: unknown = null;",
          "  if (failure instanceof ProblemError) return failure.code;",
          "  return hook.secret;",
          "}",
        ].join("\n"),
      );
      const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
      const checked = run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], dir);
      expect(checked.status, checked.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
