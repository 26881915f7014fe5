/**
 * What an idle server costs: CodePark on embedded storage (PGlite), no clients, started as
 * `npm start` runs it (scripts/start.mjs: the compiled server, in one process) on a data directory
 * it initialised before. After /readyz answers and a settling time, its CPU (every thread, from the
 * kernel's scheduler accounting in /proc/<pid>/task/<tid>/schedstat, ns) and its wake-ups
 * (voluntary context switches: each sleep ends in one) are read over a window.
 *
 * Side by side in the same window: a bare Node HTTP server (the floor any Node server pays), and
 * the same plus prom-client's default metrics (its 10 ms event-loop sampler: what CodePark ran
 * before). BENCH_IDLE_COMPARE=<label>=<path to a build's main.js>[,…] adds those servers too (e.g.
 * the main branch's build, for a before/after in one run; the path must lie inside this repository
 * so that its imports resolve).
 *
 * Env: BENCH_IDLE_SETTLE (s, default 10), BENCH_IDLE_SECONDS (window, default 30),
 * BENCH_IDLE_CPU_PROF=<dir> (a V8 CPU profile of CodePark, written when it stops),
 * BENCH_QUICK=1 (settle 3 s, window 8 s). One JSON line per target.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { listFromEnv, numberFromEnv, quick } from "./lib/env.ts";
import {
  ensureBuilt,
  initialisedDataDir,
  repoRoot,
  type ServerProcess,
  serverPid,
  startServer,
  type ThreadTimes,
  threadTimes,
} from "./lib/server-process.ts";
import { round } from "./lib/stats.ts";

const settleS = numberFromEnv("BENCH_IDLE_SETTLE", quick ? 3 : 10, 0);
const windowS = numberFromEnv("BENCH_IDLE_SECONDS", quick ? 8 : 30, 1);
const cpuProfDir = process.env.BENCH_IDLE_CPU_PROF || undefined;
const compare = listFromEnv("BENCH_IDLE_COMPARE", "").map((item) => {
  const [label, path] = item.split("=");
  if (!label || !path) throw new Error(`BENCH_IDLE_COMPARE items are <label>=<path>, got "${item}"`);
  return { label, path };
});

/** A Node HTTP server that answers /readyz and does nothing else; optionally with prom-client's defaults. */
const bareServer = (withPromClient: boolean) => `
  ${withPromClient ? "require('prom-client').collectDefaultMetrics();" : ""}
  require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface Target {
  name: string;
  start(dataDir: string): Promise<ServerProcess>;
}

const targets: Target[] = [
  {
    name: "codepark-pglite",
    start: (dataDir) =>
      startServer(
        process.execPath,
        [
          ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : []),
          join(repoRoot, "scripts/start.mjs"),
        ],
        dataDir,
      ),
  },
  ...compare.map(({ label, path }) => ({
    name: label,
    start: (dataDir: string) => startServer(process.execPath, ["--enable-source-maps", path], dataDir),
  })),
  {
    name: "node-http",
    start: (dataDir) => startServer(process.execPath, ["-e", bareServer(false)], dataDir),
  },
  {
    name: "node-http+prom-client-defaults",
    start: (dataDir) => startServer(process.execPath, ["-e", bareServer(true)], dataDir),
  },
];

function totals(threads: ThreadTimes[]) {
  return {
    cpuNs: threads.reduce((sum, thread) => sum + thread.cpuNs, 0),
    switches: threads.reduce((sum, thread) => sum + thread.switches, 0),
  };
}

async function main(): Promise<void> {
  ensureBuilt();
  const dataDirs: string[] = [];
  const running: { target: Target; server: ServerProcess; pid: number }[] = [];
  try {
    // Each CodePark server on its own copy of one initialised data directory; the bare ones ignore theirs.
    const template = await initialisedDataDir();
    dataDirs.push(template);
    for (const target of targets) {
      const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-"));
      if (!target.name.startsWith("node-")) await cp(template, dataDir, { recursive: true });
      dataDirs.push(dataDir);
      const server = await target.start(dataDir);
      running.push({ target, server, pid: serverPid(server.child.pid!) });
    }
    await new Promise((resolve) => setTimeout(resolve, settleS * 1000));
    const mark = cpuMark();
    const before = running.map(({ pid }) => threadTimes(pid));
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowS * 1000));
    const seconds = (performance.now() - started) / 1000;
    const after = running.map(({ pid }) => threadTimes(pid));
    const machine = cpuSince(mark);
    const results = running.map(({ target, pid }, index) => {
      const first = before[index]!;
      const last = after[index]!;
      const main = (list: ThreadTimes[]) => list.find((thread) => thread.tid === pid);
      const cpuNs = totals(last).cpuNs - totals(first).cpuNs;
      const switches = totals(last).switches - totals(first).switches;
      const mainNs = (main(last)?.cpuNs ?? 0) - (main(first)?.cpuNs ?? 0);
      const mainSwitches = (main(last)?.switches ?? 0) - (main(first)?.switches ?? 0);
      return {
        target: target.name,
        cpuMsPerSecond: round(cpuNs / 1e6 / seconds, 3),
        mainThreadCpuMsPerSecond: round(mainNs / 1e6 / seconds, 3),
        otherThreadsCpuMsPerSecond: round((cpuNs - mainNs) / 1e6 / seconds, 3),
        wakeupsPerSecond: round(switches / seconds, 1),
        mainThreadWakeupsPerSecond: round(mainSwitches / seconds, 1),
        threads: last.length,
        cpuMs: cpuNs / 1e6,
      };
    });
    // The servers are other processes: what the rest of the machine used is the rest of `other`.
    const serversPercent = results.reduce((sum, result) => sum + result.cpuMs, 0) / 10 / seconds;
    const otherCpuPercent =
      machine.otherCpuPercent === null
        ? null
        : Math.max(0, Math.round(machine.otherCpuPercent - serversPercent));
    const floor = results.find((result) => result.target === "node-http")?.cpuMsPerSecond;
    for (const { cpuMs: _, ...result } of results) {
      process.stdout.write(
        `${JSON.stringify({
          bench: "idle",
          ...result,
          overFloorCpuMsPerSecond: floor === undefined ? null : round(result.cpuMsPerSecond - floor, 3),
          windowSeconds: round(seconds, 1),
          settleSeconds: settleS,
          otherCpuPercent,
          cores: availableParallelism(),
        })}\n`,
      );
    }
  } finally {
    for (const { server } of running) await server.stop();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `idle bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exitCode = 1;
});
