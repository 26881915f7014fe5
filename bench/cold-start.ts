/**
 * Cold start: spawn → first 200 from /readyz, on a data directory the server initialised before
 * (PGlite's initdb and the migrations already done, as on every start after the first), once the
 * build is current. Targets, run in turn so they share the machine's noise:
 * - `npm start` (the command a person types: npm, the build check, the compiled server);
 * - `node scripts/start.mjs` (the same without npm's own start-up);
 * - `npm run start:prod`'s command, `node --enable-source-maps apps/server/dist/main.js`;
 * - the sources through tsx, as `npm start` ran the server before it ran the build;
 * - a bare Node HTTP server answering /readyz: the floor (process start, listen, the probe's polling).
 * Each run is stopped with SIGTERM and must exit 0.
 *
 * Env: BENCH_COLD_RUNS (per target, default 7), BENCH_COLD_CPU_PROF=<dir> (a V8 CPU profile of each
 * start:prod run), BENCH_QUICK=1 (2 runs of npm start, the tsx sources and the floor). One JSON line
 * per target.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { numberFromEnv, quick } from "./lib/env.ts";
import {
  compiledServer,
  ensureBuilt,
  initialisedDataDir,
  repoRoot,
  startServer,
} from "./lib/server-process.ts";
import { round } from "./lib/stats.ts";

const runs = Math.floor(numberFromEnv("BENCH_COLD_RUNS", quick ? 2 : 7, 1));
const cpuProfDir = process.env.BENCH_COLD_CPU_PROF || undefined;

const floorServer = `require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`;

const allTargets: { name: string; command: string; args: string[]; codepark: boolean }[] = [
  { name: "npm start", command: "npm", args: ["start", "--silent"], codepark: true },
  {
    name: "node scripts/start.mjs",
    command: process.execPath,
    args: [join(repoRoot, "scripts/start.mjs")],
    codepark: true,
  },
  {
    name: "start:prod (node dist/main.js)",
    command: process.execPath,
    args: [...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : []), ...compiledServer],
    codepark: true,
  },
  {
    name: "tsx sources (npm start before)",
    command: process.execPath,
    args: ["--import", "tsx", join(repoRoot, "apps/server/src/main.ts")],
    codepark: true,
  },
  { name: "node-http floor", command: process.execPath, args: ["-e", floorServer], codepark: false },
];

const QUICK_TARGETS = ["npm start", "tsx sources (npm start before)", "node-http floor"];
const targets = quick ? allTargets.filter((target) => QUICK_TARGETS.includes(target.name)) : allTargets;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  ensureBuilt();
  const dataDir = await initialisedDataDir();
  const times = new Map(targets.map((target) => [target.name, [] as number[]]));
  // What the rest of the machine uses, measured with nothing of ours running: the runs' noise.
  const mark = cpuMark();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const { otherCpuPercent } = cpuSince(mark);
  try {
    for (let run = 0; run < runs; run++) {
      for (const target of targets) {
        const server = await startServer(target.command, target.args, dataDir);
        times.get(target.name)!.push(server.readyMs);
        const code = await server.stop();
        if (target.codepark && code !== 0)
          throw new Error(`${target.name} did not stop cleanly (exit ${code}):\n${server.output()}`);
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  for (const target of targets) {
    const sorted = times.get(target.name)!.sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({
        bench: "cold-start",
        target: target.name,
        runs: sorted.length,
        p50Ms: round(percentile(sorted, 50), 0),
        minMs: round(sorted[0]!, 0),
        maxMs: round(sorted.at(-1)!, 0),
        otherCpuPercentBefore: otherCpuPercent,
      })}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cold-start bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exitCode = 1;
});
