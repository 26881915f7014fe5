/**
 * Durable throughput per node: how many updates per second a server sustains on many documents
 * before propagation slows down, and how many of them are durable. The clients of bench/collab.ts
 * (separate processes, unmodified y-websocket providers, each insert stamped on CLOCK_MONOTONIC),
 * spread over BENCH_SATURATION_DOCS documents (200), each inserting at a fixed rate; clients are
 * added in steps while the earlier ones keep inserting, and every step is measured over a window
 * after a settle time. The run on a target stops at the first step that is over the limit:
 *   - p99 propagation (insert → every other client on its document has it) > 50 ms, or
 *   - deliveries behind: measured inserts not all delivered 2 s after the window, or
 *   - the clients made < 95 % of the inserts they were due (their processes could not keep up), or
 *   - a connection closed or was refused.
 * The sustained rate is the last step under the limit.
 *
 * Durable updates/s, by target:
 *   codepark-pglite / codepark-postgres  updates in completed group commits to the update log over the
 *        window (`collab_update_log_batch_size_sum`): CodePark broadcasts an update only after that
 *        commit, so every delivered update was durable first;
 *   hocuspocus-database  @hocuspocus/server 4.7 with @hocuspocus/extension-database at Hocuspocus's
 *        default debounce (store 2 s after a document's last change, at least every 10 s while it
 *        keeps changing), storing each document's whole state in a file: its updates are durable
 *        *within the debounce*, so its rate counts as durable only in that sense. Its line also says
 *        what its store did (store.updatesStored: updates covered by a store completed in the window;
 *        store.notStoredAtEnd: updates a crash at the window's end would lose);
 *   y-websocket-server  @y/websocket-server 0.1.1 in memory: nothing is durable (null);
 *   relay, hocuspocus  (on request) the bare relay and Hocuspocus without storage: nothing durable.
 *
 * One JSON line per target × step:
 *   clients, offeredUpdatesPerSec (clients × rate), updatesPerSec (measured inserts / window),
 *   durableUpdatesPerSec, deliveriesPerSec, latencyP50/P95/P99/MaxMs, delivered / expected,
 *   serverCpuPercent (% of one core), serverCpuUsPerInsert, clientCpuPercent (all client processes),
 *   postgresCpuPercent (codepark-postgres: every postgres process on the machine), otherCpuPercent
 *   (the rest of the machine: anyone else's load; disturbed when over 20 % of a core),
 *   codepark (group commits etc., see bench/collab.ts) or store, openMs (opening this step's new
 *   clients), over (why the step is over the limit, or null);
 * then one {"bench":"collab-saturation","target":…,"summary":…} line per target: the sustained step
 * (null if even the first step was over), the step that stopped the run and why (null if none did:
 * the sustained rate is then a lower bound), and after the load stopped whether every measured insert
 * of the last step reached every receiver and (CodePark) every update received was logged, or
 * (hocuspocus-database) every update was stored; and a last {"bench":"collab-saturation",
 * "comparison":…} line: each target's sustained and durable rate and CodePark's durable rate over
 * the best non-durable peer's rate (issue 15's goal: ≥ 1).
 *
 * Exits non-zero if a CodePark target fails to start or to open its first step's clients, leaves a
 * measured insert undelivered once the load stops, or has received updates it never logged. (A
 * connection it closes under load — "client too slow" — ends the run as over the limit.)
 * The machine is shared: read otherCpuPercent and quietWaitMs before the figures.
 *
 * Env: BENCH_QUICK=1 (steps 250,500,1000, 2 s windows, 1 s settle, 2 s warm-up: about a minute),
 *      BENCH_SATURATION_STEPS (clients per step, ascending; default
 *      250,320,400,500,640,800,1000,1280,1600,2000,2500,3200: 250 puts a second client on 50 of the
 *      200 documents, whose inserts are the ones with receivers; the other documents' single clients
 *      still make durable updates),
 *      BENCH_SATURATION_DOCS (200), BENCH_SATURATION_RATE (inserts/s per client, 5),
 *      BENCH_SATURATION_SECONDS (window, 10), BENCH_SATURATION_SETTLE (seconds after adding clients, 5),
 *      BENCH_SATURATION_WARMUP (seconds of load before the first window, 20),
 *      BENCH_SATURATION_P99_MS (50), BENCH_SATURATION_CLIENT_PROCS (2),
 *      BENCH_SATURATION_TARGETS (default codepark-pglite, codepark-postgres when BENCH_DATABASE_URL
 *      is set, hocuspocus-database, y-websocket-server; relay and hocuspocus on request),
 *      BENCH_DATABASE_URL (an admin URL: a throwaway database is created and dropped),
 *      BENCH_SATURATION_CPU_PROF (a directory: server children run with --cpu-prof into it).
 * Run alone: `npx tsx bench/collab-saturation.ts`; with every bench: `npm run bench`.
 */
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Child, killAllNow, stopAll, waitForQuietMachine } from "./collab/processes.ts";
import {
  closeWorkers,
  dealClients,
  deliveryProgress,
  measureWindow,
  openClients,
  receiversPerDoc,
  startWorkers,
  stopInserting,
} from "./collab/scenario.ts";
import { nowUs, type PeerTarget } from "./collab/shared.ts";
import {
  removeDataDirsNow,
  startCodePark,
  startPeer,
  type Target,
  type TargetName,
} from "./collab/targets.ts";
import { listFromEnv, numberFromEnv } from "./lib/env.ts";
import { round } from "./lib/stats.ts";

const quick = process.env.BENCH_QUICK === "1";
const docCount = Math.floor(numberFromEnv("BENCH_SATURATION_DOCS", 200, 1));
const rate = numberFromEnv("BENCH_SATURATION_RATE", 5, 0.1);
const windowS = numberFromEnv("BENCH_SATURATION_SECONDS", quick ? 2 : 10, 1);
const settleS = numberFromEnv("BENCH_SATURATION_SETTLE", quick ? 1 : 5, 0);
const warmupS = numberFromEnv("BENCH_SATURATION_WARMUP", quick ? 2 : 20, 0);
const p99LimitMs = numberFromEnv("BENCH_SATURATION_P99_MS", 50, 1);
const clientProcs = Math.floor(numberFromEnv("BENCH_SATURATION_CLIENT_PROCS", 2, 1));
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const cpuProfDir = process.env.BENCH_SATURATION_CPU_PROF
  ? resolve(process.env.BENCH_SATURATION_CPU_PROF)
  : undefined;
/** Measured inserts still in flight this long after a window: the step's deliveries are behind. */
const STEP_DRAIN_MS = 2_000;
/** Once the load stops, how long every measured insert of the last step gets to arrive. */
const FINAL_DRAIN_MS = 20_000;
/** Hocuspocus stores at the latest 10 s (maxDebounce) after a change; then the write itself. */
const STORE_WAIT_MS = 15_000;
/** Inserts made / inserts due below this: the client processes could not keep the rate. */
const MIN_INSERT_RATIO = 0.95;
const MIN_DELIVERED_RATIO = 0.999;
/** The rest of the machine used more than this (% of one core) in a window: its figures are disturbed. */
const DISTURBED_OTHER_CPU_PERCENT = 20;

function stepsFromEnv(): number[] {
  const raw = listFromEnv(
    "BENCH_SATURATION_STEPS",
    quick ? "250,500,1000" : "250,320,400,500,640,800,1000,1280,1600,2000,2500,3200",
  );
  const steps = raw.map(Number);
  steps.forEach((clients, i) => {
    if (!Number.isInteger(clients) || clients < 2 || (i > 0 && clients <= steps[i - 1]!)) {
      throw new Error(`BENCH_SATURATION_STEPS must be ascending client counts >= 2, got "${raw.join(",")}"`);
    }
  });
  return steps;
}

const OPTIONAL_TARGETS = ["relay", "hocuspocus"] as const;

function targetsFromEnv(): TargetName[] {
  const defaults: TargetName[] = [
    "codepark-pglite",
    ...(adminUrl ? ["codepark-postgres" as const] : []),
    "hocuspocus-database",
    "y-websocket-server",
  ];
  const raw = process.env.BENCH_SATURATION_TARGETS;
  if (!raw) return defaults;
  const available: TargetName[] = [...defaults, ...OPTIONAL_TARGETS];
  const wanted = listFromEnv("BENCH_SATURATION_TARGETS", "");
  for (const name of wanted) {
    if (!available.includes(name as TargetName))
      throw new Error(`BENCH_SATURATION_TARGETS: unknown or unavailable "${name}"`);
  }
  return available.filter((name) => wanted.includes(name));
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

/** Why a measured step is over the limit, or null when it is sustained. */
function overLimit(step: Record<string, unknown>): string | null {
  const p99 = step.latencyP99Ms as number;
  if ((step.clientCloses as number) > 0 || step.problems) return "connections closed or refused";
  if (!((step.updatesPerSec as number) >= MIN_INSERT_RATIO * (step.offeredUpdatesPerSec as number))) {
    return `clients made ${step.updatesPerSec}/s of the ${step.offeredUpdatesPerSec}/s due`;
  }
  if (!step.drained || (step.deliveredRatio as number) < MIN_DELIVERED_RATIO) {
    return `deliveries behind: ${step.delivered}/${step.expected} delivered ${STEP_DRAIN_MS} ms after the window`;
  }
  if (!(p99 <= p99LimitMs)) return `p99 ${p99} ms > ${p99LimitMs} ms`;
  return null;
}

/** Durable updates per second in a step's window, by how the target makes updates durable. */
function durableRate(target: Target, step: Record<string, unknown>): number | null {
  if (target.durability === "none") return null;
  if (target.durability === "debounced") return step.updatesPerSec as number;
  const logged = (step.codepark as { updatesLogged?: number } | undefined)?.updatesLogged;
  return typeof logged === "number" ? round(logged / windowS, 1) : null;
}

/** Polls until `done` or `ms` pass; returns how long it took, or null if it never was done. */
async function waitUntil(done: () => Promise<boolean>, ms: number): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    if (await done()) return Date.now() - started;
    if (Date.now() - started >= ms) return null;
    await sleep(200);
  }
}

/**
 * After the load stops: whether every measured insert of the last step reached all its receivers,
 * and whether the target kept everything it says it keeps.
 */
async function afterLoad(target: Target, workers: Child[]): Promise<Record<string, unknown>> {
  await stopInserting(workers);
  let progress = await deliveryProgress(workers);
  const deliveredAllAfterMs = await waitUntil(async () => {
    progress = await deliveryProgress(workers);
    return progress.received >= progress.expected;
  }, FINAL_DRAIN_MS);
  const checks: Record<string, unknown> = {
    lastStepDelivered: progress.received,
    lastStepExpected: progress.expected,
    deliveredAllAfterMs,
  };
  if (target.counters) {
    let received = 0;
    let logged = 0;
    checks.loggedAllAfterMs = await waitUntil(async () => {
      const counters = await target.counters!();
      received = counters.collab_updates_received_total ?? Number.NaN;
      logged = counters.collab_update_log_batch_size_sum ?? Number.NaN;
      return logged >= received;
    }, 5_000);
    checks.updatesReceived = received;
    checks.updatesLogged = logged;
  }
  if (target.storeCounters) {
    let applied = 0;
    let stored = 0;
    checks.storedAllAfterMs = await waitUntil(async () => {
      const counters = await target.storeCounters!();
      applied = counters.updatesApplied;
      stored = counters.updatesStored;
      return stored >= applied;
    }, STORE_WAIT_MS);
    checks.updatesApplied = applied;
    checks.updatesStored = stored;
  }
  return checks;
}

interface Outcome {
  target: TargetName;
  durability: Target["durability"];
  sustained: Record<string, unknown> | null;
  stoppedAt: Record<string, unknown> | null;
  /** The steps did not start (failed to start or open clients). */
  failed: boolean;
}

const pick = (step: Record<string, unknown> | null, keys: string[]) =>
  step ? Object.fromEntries(keys.map((key) => [key, step[key]])) : null;

async function runTarget(
  name: TargetName,
  steps: number[],
  failures: string[],
  note: string,
): Promise<Outcome> {
  const outcome: Outcome = {
    target: name,
    durability: "none",
    sustained: null,
    stoppedAt: null,
    failed: true,
  };
  const fail = (what: string) => {
    if (isCodePark(name)) failures.push(`${name}: ${what}`);
  };
  const quietWaitMs = await waitForQuietMachine(quick ? 3_000 : 30_000);
  let target: Target;
  const startedAt = Date.now();
  try {
    target = await start(name, `${name}-saturation`);
  } catch (error) {
    process.stderr.write(`bench/collab-saturation: ${name} failed to start: ${describe(error)}\n`);
    fail("failed to start");
    print({
      bench: "collab-saturation",
      target: name,
      skipped: describe(error).split("\n").slice(0, 3).join(" "),
    });
    return outcome;
  }
  outcome.durability = target.durability;
  const startMs = Date.now() - startedAt;
  let workers: Child[] = [];
  try {
    const [docs, started] = await Promise.all([
      target.prepare(docCount),
      startWorkers(clientProcs, `${name}-saturation`),
    ]);
    workers = started;
    const readyMs = Date.now() - startedAt;
    outcome.failed = false;
    let open = 0;
    for (const [i, clients] of steps.entries()) {
      const openStarted = Date.now();
      try {
        await openClients(target, workers, dealClients(docs, open, clients, workers.length), 60_000);
      } catch (error) {
        // Past the first step, a server that cannot take more connections in time is saturated too.
        if (i === 0) throw error;
        outcome.stoppedAt = { clients, over: `opening clients: ${String(error).slice(0, 200)}` };
        print({ bench: "collab-saturation", target: name, step: i + 1, clients, ...outcome.stoppedAt });
        break;
      }
      const openMs = Date.now() - openStarted;
      open = clients;
      const windowStartUs = nowUs() + (i === 0 ? warmupS : settleS) * 1e6;
      const measured = await measureWindow(target, workers, {
        rate,
        windowStartUs,
        windowEndUs: windowStartUs + windowS * 1e6,
        // The load goes on through this step's drain and report and into the next step.
        stopUs: Number.MAX_SAFE_INTEGER,
        receivers: receiversPerDoc(docCount, clients),
        drainMs: STEP_DRAIN_MS,
      });
      const line: Record<string, unknown> = {
        bench: "collab-saturation",
        target: name,
        step: i + 1,
        clients,
        docs: docCount,
        ratePerClient: rate,
        seconds: windowS,
        offeredUpdatesPerSec: round(clients * rate, 1),
        updatesPerSec: measured.insertsPerSec,
        durability: target.durability,
        ...measured,
      };
      delete line.insertsPerSec;
      line.durableUpdatesPerSec = durableRate(target, line);
      line.openMs = openMs;
      line.quietWaitMs = quietWaitMs;
      line.over = overLimit(line);
      line.disturbed = (line.otherCpuPercent as number) > DISTURBED_OTHER_CPU_PERCENT;
      line.persistence = target.persistence;
      line.note = note;
      print(line);
      if (line.over) {
        outcome.stoppedAt = line;
        break;
      }
      outcome.sustained = line;
    }
    const checks = await afterLoad(target, workers);
    if (checks.deliveredAllAfterMs === null) fail("measured inserts never delivered after the load stopped");
    if (checks.loggedAllAfterMs === null) fail("updates received but never logged");
    print({
      bench: "collab-saturation",
      target: name,
      summary: {
        durability: target.durability,
        sustained: pick(outcome.sustained, [
          "clients",
          "updatesPerSec",
          "durableUpdatesPerSec",
          "deliveriesPerSec",
          "latencyP99Ms",
          "serverCpuPercent",
          "serverCpuUsPerInsert",
          "clientCpuPercent",
          "otherCpuPercent",
          "disturbed",
        ]),
        stoppedAt: pick(outcome.stoppedAt, [
          "clients",
          "over",
          "updatesPerSec",
          "latencyP99Ms",
          "serverCpuPercent",
          "clientCpuPercent",
          "otherCpuPercent",
          "disturbed",
        ]),
        ...checks,
        quietWaitMs,
        startMs,
        readyMs,
        totalMs: Date.now() - startedAt,
        persistence: target.persistence,
      },
    });
  } catch (error) {
    process.stderr.write(`bench/collab-saturation: ${name} failed: ${describe(error)}\n`);
    fail(error instanceof Error ? error.message.split("\n")[0]! : String(error));
    print({ bench: "collab-saturation", target: name, error: String(error).slice(0, 300) });
  } finally {
    await closeWorkers(workers);
    await target.close();
  }
  return outcome;
}

/**
 * Each target's sustained and durable rate, and CodePark's durable rate over the best sustained rate
 * of a peer (none of which makes an update durable before broadcasting it; issue 15's goal: ≥ 1).
 * A rate from a run no step stopped is a lower bound (`saturated: false`); a target over the limit
 * at the first step has no rate (`sustainedClients: null`), and no ratio is made with it.
 */
function compare(outcomes: Outcome[]): Record<string, unknown> {
  const ran = outcomes.filter((outcome) => !outcome.failed);
  const rateOf = (outcome: Outcome) => outcome.sustained?.updatesPerSec as number | undefined;
  const rates: Record<string, unknown> = {};
  for (const outcome of ran) {
    rates[outcome.target] = {
      durability: outcome.durability,
      sustainedClients: outcome.sustained?.clients ?? null,
      updatesPerSec: rateOf(outcome) ?? null,
      durableUpdatesPerSec: outcome.sustained?.durableUpdatesPerSec ?? null,
      saturated: outcome.stoppedAt !== null,
      // The rest of the machine was busy in the sustained or the stopping window.
      disturbed: Boolean(outcome.sustained?.disturbed || outcome.stoppedAt?.disturbed),
    };
  }
  // A peer without a rate was over the limit at the first step: below every rate measured.
  const best = ran
    .filter((outcome) => !isCodePark(outcome.target) && rateOf(outcome) !== undefined)
    .reduce<Outcome | undefined>(
      (top, outcome) => (top && rateOf(top)! >= rateOf(outcome)! ? top : outcome),
      undefined,
    );
  const ratios: Record<string, number | null> = {};
  for (const outcome of ran) {
    if (!isCodePark(outcome.target)) continue;
    const durable = outcome.sustained?.durableUpdatesPerSec;
    ratios[outcome.target] = best && typeof durable === "number" ? round(durable / rateOf(best)!, 2) : null;
  }
  return { rates, bestPeer: best?.target ?? null, durableVsBestPeer: ratios };
}

async function main(): Promise<void> {
  const steps = stepsFromEnv();
  const targets = targetsFromEnv();
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const note =
    `${availableParallelism()} cores shared by the server, ${clientProcs} client process(es)` +
    `${adminUrl ? " and PostgreSQL" : ""}; ${docCount} documents, ${rate} inserts/s per client; ` +
    `${warmupS}s warm-up, ${settleS}s settle per step; server CPU from /proc/<pid>`;
  const failures: string[] = [];
  const outcomes: Outcome[] = [];
  for (const name of targets) outcomes.push(await runTarget(name, steps, failures, note));
  print({ bench: "collab-saturation", comparison: compare(outcomes) });
  if (failures.length > 0) {
    process.stderr.write(`bench/collab-saturation failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench/collab-saturation: ${signal}, stopping children\n`);
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
    process.stderr.write(`bench/collab-saturation failed: ${describe(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll(2_000));
