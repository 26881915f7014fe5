/**
 * Live-collaboration load: N y-websocket clients on D documents, each inserting a few characters
 * at a fixed rate, against CodePark and, in the same run, the peers of DESIGN.md's performance bar
 * (a bare relay — the floor —, @y/websocket-server and Hocuspocus), so CPU-per-delivery ratios are
 * measured rather than remembered.
 *
 * Every server runs as its own child process, fresh for each scenario (`node --import tsx
 * apps/server/src/main.ts` with PORT=0 for CodePark, bench/collab/peer-server.ts for the peers);
 * its CPU (user + system, all threads) and RSS are read from /proc/<pid>. Clients run in separate
 * client processes (bench/collab/client-worker.ts), unmodified y-websocket WebsocketProviders with
 * `ws` and disableBc. Each insert is `<client>:<seq>:<sent at, µs on CLOCK_MONOTONIC>|` appended to
 * Y.Text "content"; every receiving client records receive − send time when its Y.Text observer
 * sees the marker, so propagation latency is measured across processes on one clock.
 *
 * One JSON line per target × scenario:
 *   latencyP50/P95/P99/MaxMs  time from an insert until EVERY other client on its document has it
 *                            (over inserts all receivers got; stragglers show in deliveredRatio)
 *   delivered / expected      receptions of measured inserts / inserts × (clients per doc − 1)
 *   insertsPerSec, deliveriesPerSec
 *   serverCpuMs, serverCpuUsPerDelivery, serverCpuPercent   from window start until the measured
 *                            inserts are all delivered (or the drain limit)
 *   serverRssMb, serverPeakRssMb, clientCpuPercent (all client processes, % of one core)
 *   codepark                  CodePark only, from its /metrics over the window: group commits,
 *                            updates per commit, mean commit ms, frames sent (per delivery), compactions
 * then idle memory: 1,000 synced idle connections on 100 documents, RSS delta per connection and
 * again after a forced full GC, plus the live-heap delta per connection after GC (the probe preloaded
 * into every server child does the GC: no product code involved); a "cold" round on the fresh
 * server (headline) and a "warm" one after closing and reopening the same connections. Finally one
 * {"bench":"collab","summary":…} line: per scenario each target's p99, CPU per delivery and that
 * relative to the relay's in the same run, and per-connection memory relative to the relay's.
 * Before each target starts, the bench waits until the rest of the machine is quiet (quietWaitMs).
 * otherCpuPercent is what the rest of the machine used meanwhile: anything there means the figures
 * were disturbed (for codepark-postgres, PostgreSQL's processes are apart: postgresCpuPercent).
 *
 * Targets: codepark-pglite (fresh DATA_DIR), codepark-postgres (when BENCH_DATABASE_URL, an admin
 * URL, is set: a throwaway database is created and dropped), relay, y-websocket-server, hocuspocus.
 * Exits non-zero if CodePark delivers < 99% of expected updates or a CodePark scenario fails.
 *
 * Env: BENCH_COLLAB_SECONDS (measured seconds per scenario, default 15),
 *      BENCH_COLLAB_PEER_SECONDS (for the peers, default min(BENCH_COLLAB_SECONDS, 10)),
 *      BENCH_COLLAB_WARMUP (seconds of unmeasured inserts first, default 30: V8 still compiles the hot path 25 s in),
 *      BENCH_COLLAB_RATE (inserts per second per client, default 5),
 *      BENCH_COLLAB_CLIENT_PROCS (client processes, default 2),
 *      BENCH_COLLAB_SCENARIOS (default "1x20,1x100,50x4,idle": docs x clients per doc, and idle),
 *      BENCH_COLLAB_IDLE (connections x docs, default "1000x100"),
 *      BENCH_COLLAB_TARGETS (comma list, default all), BENCH_DATABASE_URL,
 *      BENCH_COLLAB_CPU_PROF (a directory: server children run with --cpu-prof into it),
 *      BENCH_QUICK=1 (defaults: 1x20 only, CodePark and the bare relay, 5 s warm-up, 5 s windows,
 *      at most 5 s of waiting for a quiet machine per target).
 * Run alone: `npx tsx bench/collab.ts`; with every bench: `npm run bench`.
 */
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { killAllNow, stopAll, waitForQuietMachine } from "./collab/processes.ts";
import {
  type IdleScenario,
  type LoadScenario,
  loadShape,
  round,
  runIdle,
  runLoad,
} from "./collab/scenario.ts";
import { PEER_TARGETS, type PeerTarget } from "./collab/shared.ts";
import {
  removeDataDirsNow,
  startCodePark,
  startPeer,
  type Target,
  type TargetName,
} from "./collab/targets.ts";

function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

function pairFromEnv(name: string, fallback: string): [number, number] {
  const raw = process.env[name] || fallback;
  const match = /^(\d+)x(\d+)$/.exec(raw.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new Error(`${name} must look like 1000x100, got "${raw}"`);
  }
  return [Number(match[1]), Number(match[2])];
}

const quick = process.env.BENCH_QUICK === "1";
const seconds = numberFromEnv("BENCH_COLLAB_SECONDS", quick ? 5 : 15, 1);
const peerSeconds = numberFromEnv("BENCH_COLLAB_PEER_SECONDS", Math.min(seconds, 10), 1);
// Long enough for V8 to finish optimizing the hot path: 15–25 s after start its compiler threads
// still used ~20 ms/s on CodePark at 1 × 20 (5 ms/s after a minute); a short warm-up measures compiling.
const warmupS = numberFromEnv("BENCH_COLLAB_WARMUP", quick ? 5 : 30, 0);
const rate = numberFromEnv("BENCH_COLLAB_RATE", 5, 0.1);
const clientProcs = Math.floor(numberFromEnv("BENCH_COLLAB_CLIENT_PROCS", 2, 1));
const [idleConnections, idleDocs] = pairFromEnv("BENCH_COLLAB_IDLE", "1000x100");
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const cpuProfDir = process.env.BENCH_COLLAB_CPU_PROF ? resolve(process.env.BENCH_COLLAB_CPU_PROF) : undefined;

type Scenario =
  | { kind: "load"; load: Omit<LoadScenario, "seconds"> }
  | { kind: "idle"; idle: Omit<IdleScenario, "quietMs"> };

function scenariosFromEnv(): Scenario[] {
  const raw = process.env.BENCH_COLLAB_SCENARIOS || (quick ? "1x20" : "1x20,1x100,50x4,idle");
  return raw.split(",").map((item): Scenario => {
    const name = item.trim();
    if (name === "idle") {
      return {
        kind: "idle",
        idle: { connections: idleConnections, docs: idleDocs, settleMs: 3_000 },
      };
    }
    const load = loadShape(name);
    if (!load) {
      throw new Error(`BENCH_COLLAB_SCENARIOS: "${name}" is neither "idle" nor DOCSxCLIENTS (clients >= 2)`);
    }
    return { kind: "load", load };
  });
}

function targetsFromEnv(): TargetName[] {
  const all: TargetName[] = [
    "codepark-pglite",
    ...(adminUrl ? ["codepark-postgres" as const] : []),
    ...PEER_TARGETS,
  ];
  const raw =
    process.env.BENCH_COLLAB_TARGETS ||
    (quick ? all.filter((name) => name.startsWith("codepark") || name === "relay").join(",") : "");
  if (!raw) return all;
  const wanted = raw.split(",").map((name) => name.trim());
  for (const name of wanted) {
    if (!all.includes(name as TargetName))
      throw new Error(`BENCH_COLLAB_TARGETS: unknown or unavailable "${name}"`);
  }
  return all.filter((name) => wanted.includes(name));
}

const isCodePark = (name: TargetName) => name.startsWith("codepark");

function start(name: TargetName, label: string): Promise<Target> {
  if (name === "codepark-pglite") return startCodePark({ label, cpuProfDir });
  if (name === "codepark-postgres") return startCodePark({ label, cpuProfDir, adminUrl });
  return startPeer(name as PeerTarget, label, cpuProfDir);
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

interface Outcome {
  target: TargetName;
  scenario: string;
  line: Record<string, unknown>;
}

async function main(): Promise<void> {
  const scenarios = scenariosFromEnv();
  const targets = targetsFromEnv();
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const note =
    `${availableParallelism()} cores shared by the server, ${clientProcs} client process(es)` +
    `${adminUrl ? " and PostgreSQL" : ""}; ${warmupS}s warm-up; server CPU and RSS from /proc/<pid>`;
  const outcomes: Outcome[] = [];
  const failures: string[] = [];

  for (const name of targets) {
    const runSeconds = isCodePark(name) ? seconds : peerSeconds;
    for (const scenario of scenarios) {
      const scenarioName =
        scenario.kind === "idle"
          ? `idle-${scenario.idle.connections}x${scenario.idle.docs}`
          : `${scenario.load.docs}x${scenario.load.clientsPerDoc}`;
      const label = `${name}-${scenarioName}`;
      const quietWaitMs = await waitForQuietMachine(quick ? 5_000 : 30_000);
      let target: Target;
      try {
        target = await start(name, label);
      } catch (error) {
        if (isCodePark(name)) {
          failures.push(`${label}: failed to start`);
          process.stderr.write(`bench/collab: ${label} failed to start: ${describe(error)}\n`);
          continue;
        }
        // A peer that does not start here is skipped (and said so), not a failure of CodePark.
        print({ bench: "collab", target: name, skipped: describe(error).split("\n").slice(0, 3).join(" ") });
        break;
      }
      try {
        const line =
          scenario.kind === "idle"
            ? await runIdle(
                target,
                // CodePark keeps a document 5 s after its last connection (COLLAB_UNLOAD_GRACE_MS);
                // the peers drop it at once.
                { ...scenario.idle, quietMs: isCodePark(name) ? 6_500 : 1_500 },
                clientProcs,
                label,
              )
            : await runLoad(
                target,
                { ...scenario.load, seconds: runSeconds },
                { rate, warmupS, clientProcs, drainMs: 10_000 },
                label,
              );
        line.quietWaitMs = quietWaitMs;
        line.note = note;
        print(line);
        outcomes.push({ target: name, scenario: scenarioName, line });
        if (isCodePark(name) && scenario.kind === "load" && (line.deliveredRatio as number) < 0.99) {
          failures.push(`${label}: delivered ${line.delivered}/${line.expected}`);
        }
      } catch (error) {
        process.stderr.write(`bench/collab: ${label} failed: ${describe(error)}\n`);
        if (isCodePark(name)) failures.push(`${label}: ${error instanceof Error ? error.message : error}`);
        else
          print({
            bench: "collab",
            target: name,
            scenario: scenarioName,
            error: String(error).slice(0, 300),
          });
      } finally {
        await target.close();
      }
    }
  }

  print({ bench: "collab", summary: summarise(outcomes) });
  if (failures.length > 0) {
    process.stderr.write(`bench/collab failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

/** Per scenario: each target's p99 and CPU per delivery, and that CPU relative to the relay's. */
function summarise(outcomes: Outcome[]): Record<string, Record<string, Record<string, unknown>>> {
  const summary: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const { target, scenario, line } of outcomes) {
    summary[scenario] ??= {};
    summary[scenario][target] = scenario.startsWith("idle")
      ? {
          rssPerConnectionKb: line.rssPerConnectionKb,
          rssPerConnectionAfterGcKb: line.rssPerConnectionAfterGcKb,
          heapPerConnectionAfterGcKb: line.heapPerConnectionAfterGcKb,
        }
      : {
          p99Ms: line.latencyP99Ms,
          cpuUsPerDelivery: line.serverCpuUsPerDelivery,
          deliveredRatio: line.deliveredRatio,
        };
  }
  for (const targets of Object.values(summary)) {
    const relay = targets.relay;
    if (!relay) continue;
    for (const entry of Object.values(targets)) {
      if (typeof entry.cpuUsPerDelivery === "number" && typeof relay.cpuUsPerDelivery === "number") {
        entry.cpuVsRelay = round(entry.cpuUsPerDelivery / relay.cpuUsPerDelivery, 2);
      }
      if (
        typeof entry.rssPerConnectionAfterGcKb === "number" &&
        typeof relay.rssPerConnectionAfterGcKb === "number"
      ) {
        entry.rssAfterGcVsRelay = round(entry.rssPerConnectionAfterGcKb / relay.rssPerConnectionAfterGcKb, 2);
      }
      if (
        typeof entry.heapPerConnectionAfterGcKb === "number" &&
        typeof relay.heapPerConnectionAfterGcKb === "number"
      ) {
        entry.heapVsRelay = round(entry.heapPerConnectionAfterGcKb / relay.heapPerConnectionAfterGcKb, 2);
      }
    }
  }
  return summary;
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench/collab: ${signal}, stopping children\n`);
    stopAll(2_000).finally(() => process.exit(130));
  });
}
// Whatever happens, no child outlives this process.
process.on("exit", () => {
  killAllNow();
  removeDataDirsNow();
});

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench/collab failed: ${describe(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll(2_000));
