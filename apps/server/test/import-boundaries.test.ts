import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The layer rules live in biome.json and run in `npm run lint`. These cases lint small files laid out
 * like the real tree, with the real configuration, to show the rules refuse what they should and
 * allow what they should.
 */
const repo = fileURLToPath(new URL("../../..", import.meta.url));
const biome = join(repo, "node_modules/.bin/biome");
const sandbox = mkdtempSync(join(tmpdir(), "cp-boundaries-"));
const config = JSON.parse(readFileSync(join(repo, "biome.json"), "utf8"));
// The sandbox is no git checkout, and its files are not formatted by hand.
config.vcs = { enabled: false };
config.$schema = undefined;

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

let caseNo = 0;
/** Writes the files (path → source) into a fresh copy of the layout and lints them. */
function lint(files: Record<string, string>): { ok: boolean; output: string } {
  // Each case is its own project root: the configuration's paths are relative to it.
  const root = join(sandbox, `case${++caseNo}`);
  mkdirSync(root);
  writeFileSync(join(root, "biome.json"), JSON.stringify(config));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  const result = spawnSync(
    biome,
    ["lint", "--config-path", root, "--diagnostic-level=error", "--max-diagnostics=50", root],
    { encoding: "utf8", cwd: root },
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const domain = "apps/server/src/domain";
const transport = "apps/server/src/transport";

describe("import boundaries (biome.json, run by npm run lint)", () => {
  it("refuses a domain file importing infra", () => {
    const result = lint({
      [`${domain}/projects/leak.ts`]:
        'import { openDatabase } from "../../infra/db/database.ts";\n\nexport const leak = openDatabase;\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("noRestrictedImports");
  });

  it("refuses a domain file importing a driver or the file system", () => {
    for (const specifier of ["pg", "node:fs", "prom-client", "fastify", "ioredis"]) {
      const result = lint({
        [`${domain}/leak.ts`]: `import * as driver from "${specifier}";\n\nexport const leak = driver;\n`,
      });
      expect(result.ok, specifier).toBe(false);
    }
  });

  it("allows a domain file its own modules, its ports, the protocol and drizzle's query builder", () => {
    const result = lint({
      [`${domain}/ports/clock.ts`]: "export interface Clock {\n  now(): Date;\n}\n",
      [`${domain}/projects/ok.ts`]: [
        'import { id } from "@codepark/protocol/api";',
        'import { eq } from "drizzle-orm";',
        'import type { Clock } from "../ports/clock.ts";',
        "",
        "export const ok = (clock: Clock) => [id, eq, clock];",
        "",
      ].join("\n"),
    });
    expect(result.output).not.toContain("noRestrictedImports");
    expect(result.ok).toBe(true);
  });

  it("refuses a transport file importing the database, a table or a driver", () => {
    for (const specifier of [
      "drizzle-orm",
      "../../../infra/db/database.ts",
      "../../../domain/files/schema.ts",
      "../../../domain/ports/database.ts",
    ]) {
      const result = lint({
        [`${transport}/http/files/leak.ts`]: `import * as db from "${specifier}";\n\nexport const leak = db;\n`,
      });
      expect(result.ok, specifier).toBe(false);
      expect(result.output).toContain("noRestrictedImports");
    }
  });

  it("allows a transport file to call domain commands", () => {
    const result = lint({
      [`${domain}/files/commands.ts`]: "export const listFiles = () => [];\n",
      [`${transport}/http/files/routes.ts`]:
        'import { listFiles } from "../../../domain/files/commands.ts";\n\nexport const routes = [listFiles];\n',
    });
    expect(result.ok).toBe(true);
  });

  it("refuses infra importing a transport", () => {
    const result = lint({
      "apps/server/src/infra/leak.ts":
        'import { buildHttpServer } from "../transport/http/server.ts";\n\nexport const leak = buildHttpServer;\n',
    });
    expect(result.ok).toBe(false);
  });

  it("refuses an import cycle, even one closed by type-only imports", () => {
    const result = lint({
      [`${domain}/a.ts`]: 'import type { B } from "./b.ts";\n\nexport interface A {\n  b?: B;\n}\n',
      [`${domain}/b.ts`]: 'import type { A } from "./a.ts";\n\nexport interface B {\n  a?: A;\n}\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("noImportCycles");
  });

  it("refuses the protocol package importing an app", () => {
    const result = lint({
      "packages/protocol/src/leak.ts":
        'import { createApp } from "../../../apps/server/src/app.ts";\n\nexport const leak = createApp;\n',
    });
    expect(result.ok).toBe(false);
  });
});
