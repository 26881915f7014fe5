/**
 * Throughput of the durable job queue (apps/server/src/infra/queue): the real JobRunner with a
 * trivial handler, fed by enqueueJob in batched transactions, on in-memory PGlite and (when
 * BENCH_DATABASE_URL, a PostgreSQL admin URL, is set) on PostgreSQL, where a throwaway database is
 * created per scenario and dropped afterwards.
 *
 * Scenarios, each on a fresh store:
 *   backlog  enqueue N jobs with no runner started (enqueuePerSec), then start the runner(s) and
 *            time until the last job is recorded completed (processedPerSec = N / drain time).
 *   live     runner(s) already started; enqueue N jobs as fast as one producer can, waking the
 *            local runner after each commit as the app does; processedPerSec = N / (first enqueue →
 *            last completion); startLatency = batch commit → handler start, per job (mostly time
 *            spent queued behind the backlog when the producer outruns the runners).
 *   paced    runner(s) started; one job per transaction (the shape of a request enqueuing its
 *            event dispatch) at a fixed rate below capacity for a few seconds, waking the local
 *            runner after each commit: startLatency is the queue's own pick-up latency.
 * On PostgreSQL every mode also runs with 2 runners (two JobRunner instances, different nodeIds, each
 * with its own pool from openDatabase, on the same database; the producer is node A's pool and
 * only node A is woken: node B finds work by polling, as another machine would).
 *
 * Checked on every run: every job runs exactly once (handler invocations per job id; duplicates and
 * missing must be 0), nothing failed, every row ends `completed` with attempts = 1. Claim and finish
 * statements are timed through a wrapper around the runner's db.execute (claims: how many, rows per
 * claim, ms; the means of node A's first and last 50 claims: deep backlog vs nearly empty, though
 * the first ones also pay warm-up and, on PGlite, wait behind the producer; finishes: statements
 * recording outcomes — one per batch of jobs completed together, one per failure — jobs per such
 * statement, ms). cpuMsPerJob: this process's CPU (producer and runners) per job. One JSON line per
 * scenario, then {"bench":"jobs","summary":…} with 2-runner/1-runner scaling on PostgreSQL. Exits
 * non-zero on a duplicate, a missing or failed job, or a timeout.
 *
 * Env: BENCH_JOBS_COUNT (jobs per scenario, default 5000), BENCH_JOBS_BATCH (jobs per enqueue
 *      transaction, default 100), BENCH_JOBS_CONCURRENCY (per runner, default 8),
 *      BENCH_JOBS_POLL_MS (pollIntervalMs, default 20), BENCH_JOBS_POOL (PostgreSQL pool per node,
 *      default 10), BENCH_JOBS_TIMEOUT (seconds a drain may take before the scenario fails,
 *      default 30), BENCH_JOBS_PACED_RATE (jobs/s, default 200), BENCH_JOBS_PACED_SECONDS
 *      (default 5), BENCH_JOBS_MODES (default "backlog,live,paced"), BENCH_JOBS_RUNNERS (PostgreSQL
 *      runner counts, default "1,2"), BENCH_JOBS_STORES (default "pglite,postgres"), BENCH_DATABASE_URL.
 *      BENCH_QUICK=1: defaults 1,000 jobs, 2 s paced, one runner.
 * Run alone: `npx tsx bench/jobs.ts`; with every bench: `npm run bench`.
 */
import { availableParallelism } from "node:os";
import { sql } from "drizzle-orm";
import { Registry } from "prom-client";
import { enqueueJob } from "../apps/server/src/domain/jobs/enqueue.ts";
import { jobType, Priority } from "../apps/server/src/domain/jobs/job-type.ts";
import type { Database, Db } from "../apps/server/src/domain/ports/database.ts";
import { systemClock } from "../apps/server/src/infra/clock.ts";
import { openDatabase } from "../apps/server/src/infra/db/database.ts";
import { rowsOf } from "../apps/server/src/infra/db/rows.ts";
import { createJobMetrics, type JobMetrics } from "../apps/server/src/infra/queue/metrics.ts";
import { JobRunner } from "../apps/server/src/infra/queue/runner.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { listFromEnv, numberFromEnv, quick } from "./lib/env.ts";
import { percentiles, round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

const jobCount = Math.floor(numberFromEnv("BENCH_JOBS_COUNT", quick ? 1_000 : 5_000, 1));
const batchSize = Math.floor(numberFromEnv("BENCH_JOBS_BATCH", 100, 1));
const concurrency = Math.floor(numberFromEnv("BENCH_JOBS_CONCURRENCY", 8, 1));
const pollMs = Math.floor(numberFromEnv("BENCH_JOBS_POLL_MS", 20, 1));
const poolSize = Math.floor(numberFromEnv("BENCH_JOBS_POOL", 10, 2));
const timeoutS = numberFromEnv("BENCH_JOBS_TIMEOUT", 30, 1);
const pacedRate = numberFromEnv("BENCH_JOBS_PACED_RATE", 200, 1);
const pacedSeconds = numberFromEnv("BENCH_JOBS_PACED_SECONDS", quick ? 2 : 5, 0.1);
const modes = listFromEnv("BENCH_JOBS_MODES", "backlog,live,paced") as Mode[];
const runnerCounts = listFromEnv("BENCH_JOBS_RUNNERS", quick ? "1" : "1,2").map(Number);
const stores = listFromEnv("BENCH_JOBS_STORES", "pglite,postgres") as Store[];
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;

type Mode = "backlog" | "live" | "paced";
type Store = "pglite" | "postgres";
for (const mode of modes) {
  if (mode !== "backlog" && mode !== "live" && mode !== "paced")
    throw new Error(`BENCH_JOBS_MODES: "${mode}"?`);
}
for (const store of stores)
  if (store !== "pglite" && store !== "postgres") throw new Error(`BENCH_JOBS_STORES: "${store}"?`);
for (const count of runnerCounts)
  if (!Number.isInteger(count) || count < 1) throw new Error("BENCH_JOBS_RUNNERS: 1,2,…");

const benchJob = jobType<{ i: number; batch: number }>({
  name: "bench.noop",
  queue: "bench",
  priority: Priority.normal,
  maxAttempts: 3,
});

interface StatementStats {
  claims: number[];
  claimedRows: number;
  /** Statements recording outcomes: one per batch of jobs completed together, one per failure. */
  finishes: number;
  finishMs: number;
}

interface Node {
  name: string;
  database: Database;
  runner: JobRunner;
  stats: StatementStats;
  ran: number;
  errors: unknown[];
}

/** Shared by every node of a scenario: it is what tells a job that ran twice. */
interface Tally {
  expected: number;
  invocations: Map<number, number>;
  startAt: Float64Array;
  completed: number;
  failed: number;
  lastCompletedAt: number;
  allDone: () => void;
}

/**
 * The runner's own db, with execute() timed: the runner only uses execute, for its claim (one
 * UPDATE … RETURNING per poll), finish (one UPDATE per batch of jobs completed together, one per
 * failed job), lease-rescue and hand-back statements.
 */
function instrument(db: Db, stats: StatementStats): Db {
  const dialect = (db as any).dialect as { sqlToQuery(query: unknown): { sql: string } };
  const wrapped = Object.create(db) as Db;
  wrapped.execute = (async (query: Parameters<Db["execute"]>[0]) => {
    const started = performance.now();
    const result = await db.execute(query);
    const ms = performance.now() - started;
    const text = dialect.sqlToQuery(query).sql.trimStart();
    if (text.startsWith("UPDATE jobs SET state = 'running'")) {
      stats.claims.push(ms);
      stats.claimedRows += rowsOf(result).length;
    } else if (!text.startsWith("UPDATE jobs SET state = 'pending'") && !text.startsWith("SELECT")) {
      // Not the rescue of expired leases, a hand-back or the poll tick's due check: a job's outcome.
      stats.finishes++;
      stats.finishMs += ms;
    }
    return result;
  }) as Db["execute"];
  return wrapped;
}

/** Counts completions as the runner records them (its duration histogram), keeping the real metric. */
function countCompletions(metrics: JobMetrics, tally: Tally): JobMetrics {
  const observe = metrics.duration.observe.bind(metrics.duration) as (
    labels: Record<string, string>,
    value: number,
  ) => void;
  metrics.duration.observe = ((labels: Record<string, string>, value: number) => {
    if (labels.outcome === "completed") {
      tally.completed++;
      tally.lastCompletedAt = performance.now();
      if (tally.completed >= tally.expected) tally.allDone();
    } else {
      tally.failed++;
    }
    observe(labels, value);
  }) as typeof metrics.duration.observe;
  return metrics;
}

async function openNode(name: string, store: Store, url: string | undefined, tally: Tally): Promise<Node> {
  const database = await openDatabase(
    store === "pglite" ? { kind: "pglite" } : { kind: "postgres", url: url!, poolSize },
  );
  const stats: StatementStats = { claims: [], claimedRows: 0, finishes: 0, finishMs: 0 };
  const errors: unknown[] = [];
  const node: Node = { name, database, runner: undefined as unknown as JobRunner, stats, ran: 0, errors };
  const db = instrument(database.db, stats);
  node.runner = new JobRunner({
    db,
    clock: systemClock,
    nodeId: `bench-${name}`,
    concurrency: { bench: concurrency },
    pollIntervalMs: pollMs,
    leaseMs: 60_000,
    backoff: { baseMs: 1_000, maxMs: 10_000 },
    metrics: countCompletions(createJobMetrics(new Registry(), database.db), tally),
    log: {
      error: (details, message) => errors.push({ message, ...details }),
      warn: (details, message) => errors.push({ message, ...details }),
    },
  });
  node.runner.handle(benchJob, async ({ i }, { job }) => {
    const now = performance.now();
    const seen = (tally.invocations.get(job.id) ?? 0) + 1;
    tally.invocations.set(job.id, seen);
    if (seen === 1) tally.startAt[i] = now;
    node.ran++;
  });
  return node;
}

interface Feed {
  count: number;
  /** Jobs per transaction. */
  batch: number;
  /** Wake the producer's runner after each commit (what the app does after a local enqueue). */
  wake: boolean;
  /** Batches per second; undefined: as fast as they go. */
  rate?: number;
}

/** Enqueues every job from node A in transactions of feed.batch; returns each batch's commit time. */
async function enqueueAll(producer: Node, feed: Feed): Promise<Float64Array> {
  const committedAt = new Float64Array(Math.ceil(feed.count / feed.batch));
  const start = performance.now();
  for (let batch = 0, first = 0; first < feed.count; batch++, first += feed.batch) {
    if (feed.rate) {
      const due = start + (batch * 1000) / feed.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Behind schedule it still yields between transactions, as requests arriving one by one do:
      // on PGlite a producer that never did would run as one chain of promises, and nothing that
      // waits for the event loop's next turn (the runner's batched completions) could run meanwhile.
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await producer.database.db.transaction(async (tx) => {
      for (let i = first; i < Math.min(feed.count, first + feed.batch); i++) {
        await enqueueJob(tx, systemClock, benchJob, { i, batch });
      }
    });
    committedAt[batch] = performance.now();
    if (feed.wake) producer.runner.wake(benchJob.queue);
  }
  return committedAt;
}

async function runScenario(
  store: Store,
  runners: number,
  mode: Mode,
  url: string | undefined,
): Promise<Record<string, unknown>> {
  const feed: Feed =
    mode === "paced"
      ? { count: Math.max(1, Math.round(pacedRate * pacedSeconds)), batch: 1, wake: true, rate: pacedRate }
      : { count: jobCount, batch: batchSize, wake: mode === "live" };
  const count = feed.count;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const tally: Tally = {
    expected: count,
    invocations: new Map(),
    startAt: new Float64Array(count).fill(Number.NaN),
    completed: 0,
    failed: 0,
    lastCompletedAt: 0,
    allDone,
  };
  const nodes: Node[] = [];
  try {
    for (let n = 0; n < runners; n++)
      nodes.push(await openNode(String.fromCharCode(97 + n), store, url, tally));
    const producer = nodes[0]!;
    const cpu = cpuMark();
    const cpuAt = process.cpuUsage();
    const t0 = performance.now();
    if (mode !== "backlog") for (const node of nodes) node.runner.start();
    const committedAt = await enqueueAll(producer, feed);
    const enqueuedAt = performance.now();
    const drainFrom = mode === "backlog" ? enqueuedAt : t0;
    if (mode === "backlog") for (const node of nodes) node.runner.start();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      finished.then(() => "done" as const),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutS * 1000);
      }),
    ]);
    clearTimeout(timer);
    const end = outcome === "done" ? tally.lastCompletedAt : performance.now();
    const cpuUse = cpuSince(cpu);
    const cpuUsed = process.cpuUsage(cpuAt);
    await Promise.all(nodes.map((node) => node.runner.stop(5_000)));

    const states = rowsOf<{ state: string; count: number; reruns: number }>(
      await producer.database.db.execute(
        sql`SELECT state, count(*)::int AS count, count(*) FILTER (WHERE attempts > 1)::int AS reruns
            FROM jobs WHERE queue = 'bench' GROUP BY state`,
      ),
    );
    let duplicates = 0;
    for (const count of tally.invocations.values()) if (count > 1) duplicates++;
    const latencies: number[] = [];
    if (mode !== "backlog") {
      for (let i = 0; i < count; i++) {
        const started = tally.startAt[i]!;
        if (!Number.isNaN(started)) latencies.push(started - committedAt[Math.floor(i / feed.batch)]!);
      }
    }
    const [p50, p99, max] = percentiles(latencies, [50, 99, 100]);
    const claims = nodes.flatMap((node) => node.stats.claims);
    const [claimP50, claimP99] = percentiles(claims, [50, 99]);
    const finishes = nodes.reduce((sum, node) => sum + node.stats.finishes, 0);
    const finishMs = nodes.reduce((sum, node) => sum + node.stats.finishMs, 0);
    const errors = nodes.flatMap((node) => node.errors);
    if (errors.length > 0) {
      const first = errors[0] as { message: string; err?: Error };
      process.stderr.write(`bench/jobs: ${store} ${mode}: ${first.message}: ${first.err?.message ?? ""}\n`);
    }
    return {
      bench: "jobs",
      store,
      mode,
      runners,
      jobs: count,
      batch: feed.batch,
      ...(feed.rate ? { pacedRatePerSec: feed.rate } : {}),
      concurrencyPerRunner: concurrency,
      pollMs,
      enqueuePerSec: round(count / ((enqueuedAt - t0) / 1000), 0),
      processedPerSec: round(tally.completed / ((end - drainFrom) / 1000), 0),
      drainS: round((end - drainFrom) / 1000, 2),
      startLatencyP50Ms: p50,
      startLatencyP99Ms: p99,
      startLatencyMaxMs: max,
      completed: tally.completed,
      duplicates,
      missing: count - tally.invocations.size,
      failed: tally.failed,
      errors: errors.length,
      timedOut: outcome === "timeout",
      rowStates: Object.fromEntries(states.map((row) => [row.state, row.count])),
      rowsRunMoreThanOnce: states.reduce((sum, row) => sum + row.reruns, 0),
      perRunner: nodes.map((node) => node.ran),
      claims: claims.length,
      jobsPerClaim: round(nodes.reduce((sum, node) => sum + node.stats.claimedRows, 0) / claims.length, 2),
      claimP50Ms: claimP50,
      claimP99Ms: claimP99,
      // Node A's first and last 50 claims: with a deep backlog first, the claim's cost vs queue depth.
      claimFirst50MeanMs: meanOf(nodes[0]!.stats.claims.slice(0, 50)),
      claimLast50MeanMs: meanOf(nodes[0]!.stats.claims.slice(-50)),
      finishStatements: finishes,
      jobsPerFinish: round(tally.completed / finishes, 2),
      finishMeanMs: round(finishMs / finishes, 2),
      cpuMsPerJob: round((cpuUsed.user + cpuUsed.system) / 1000 / count, 3),
      ...cpuUse,
    };
  } finally {
    for (const node of nodes) {
      await node.runner.stop(1_000).catch(() => {});
      await node.database.close().catch(() => {});
    }
  }
}

function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : round(values.reduce((sum, value) => sum + value, 0) / values.length, 2);
}

function isFailure(line: Record<string, unknown>): boolean {
  return (
    line.duplicates !== 0 ||
    line.missing !== 0 ||
    line.failed !== 0 ||
    line.timedOut === true ||
    line.rowsRunMoreThanOnce !== 0 ||
    (line.rowStates as Record<string, number>).completed !== line.jobs
  );
}

async function main(): Promise<void> {
  const note =
    `${availableParallelism()} cores shared by producer, runners${adminUrl ? " and PostgreSQL" : ""}; ` +
    "one process, trivial handler; latency = batch commit → handler start";
  const plan: { store: Store; runners: number; mode: Mode }[] = [];
  for (const store of stores) {
    if (store === "postgres" && !adminUrl) continue;
    // PGlite is one in-process connection: a second runner on it is not a second node.
    for (const runners of store === "pglite" ? [1] : runnerCounts) {
      for (const mode of modes) plan.push({ store, runners, mode });
    }
  }
  const failures: string[] = [];
  const lines: Record<string, unknown>[] = [];
  for (const { store, runners, mode } of plan) {
    const label = `${store} ${mode} ${runners} runner(s)`;
    try {
      const line =
        store === "postgres"
          ? await withThrowawayDatabase(adminUrl!, (url) => runScenario(store, runners, mode, url))
          : await runScenario(store, runners, mode, undefined);
      line.note = note;
      process.stdout.write(`${JSON.stringify(line)}\n`);
      lines.push(line);
      if (isFailure(line)) failures.push(label);
    } catch (error) {
      failures.push(`${label}: ${error instanceof Error ? error.message : error}`);
      process.stderr.write(`bench/jobs: ${label} failed: ${error instanceof Error ? error.stack : error}\n`);
    }
  }
  const summary: Record<string, unknown> = {};
  for (const mode of modes.filter((name) => name !== "paced")) {
    const one = lines.find((line) => line.store === "postgres" && line.mode === mode && line.runners === 1);
    const two = lines.find((line) => line.store === "postgres" && line.mode === mode && line.runners === 2);
    if (one && two) {
      summary[`postgres-${mode}-2vs1`] = round(
        (two.processedPerSec as number) / (one.processedPerSec as number),
        2,
      );
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: "jobs", summary })}\n`);
  if (failures.length > 0) {
    process.stderr.write(`bench/jobs failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/jobs failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exitCode = 1;
});
