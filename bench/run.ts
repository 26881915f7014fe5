/**
 * Runs every benchmark in bench/ (each top-level *.ts file except this one), one after another,
 * each in its own `tsx` child process so they share no memory, JIT state or event loop.
 * Children's stdout (one JSON line per result) and stderr pass straight through.
 *
 * `npm run bench` runs them all; `npm run bench -- http chat` runs only files whose name
 * (without .ts) is listed. Shared helpers belong in a subdirectory, which is not scanned.
 * `BENCH_QUICK=1 npm run bench` (or `npm run bench -- --quick`) asks every bench for its quick look
 * (shorter windows, fewer runs and targets: a few minutes in all); children inherit it.
 * After each bench a line {"bench":"run","file",…,"seconds"} says how long it took, and a last one
 * the total. Exits non-zero if any benchmark failed, after running the rest.
 */
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");

function runOne(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, join(benchDir, file)], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const env = args.includes("--quick") ? { ...process.env, BENCH_QUICK: "1" } : process.env;
  const only = new Set(args.filter((arg) => arg !== "--quick"));
  const entries = await readdir(benchDir, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => entry.name)
    .filter((name) => name !== self)
    .filter((name) => only.size === 0 || only.has(basename(name, ".ts")))
    .sort();
  if (files.length === 0) throw new Error(`no benchmarks matched in ${benchDir}`);

  const failed: string[] = [];
  const started = performance.now();
  const line = (fields: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ bench: "run", quick: env.BENCH_QUICK === "1", ...fields })}\n`);
  for (const file of files) {
    const fileStarted = performance.now();
    const code = await runOne(file, env);
    line({ file, exitCode: code, seconds: Math.round((performance.now() - fileStarted) / 100) / 10 });
    if (code !== 0) failed.push(`${file} (exit ${code})`);
  }
  line({ file: "(all)", seconds: Math.round((performance.now() - started) / 100) / 10 });
  if (failed.length > 0) {
    process.stderr.write(`bench failures: ${failed.join(", ")}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench runner failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
});
