import { type SQL, sql } from "drizzle-orm";
import { groupCommit } from "../../domain/group-commit.ts";
import { type JobType, PermanentFailure, RetryAt } from "../../domain/jobs/job-type.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import type { Database, Db } from "../../domain/ports/database.ts";
import { rowsOf } from "../db/rows.ts";
import { backoffDelayMs } from "./backoff.ts";
import type { JobMetrics } from "./metrics.ts";

export interface ClaimedJob {
  id: number;
  queue: string;
  name: string;
  payload: unknown;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export interface JobContext {
  job: ClaimedJob;
  /** Aborted when shutdown hands the job back; long handlers should stop early. */
  signal: AbortSignal;
}

function nudge(state: QueueLoop): void {
  if (state.wake) state.wake();
  else state.woken = true;
}

/** A freed slot claims again only if the last claim may have left due jobs behind. */
function slotFreed(state: QueueLoop): void {
  if (!state.drained) nudge(state);
}

/** Expired claims (of every queue, in one statement) are looked for at most this often. */
const RESCUE_EVERY_MS = 1_000;
/**
 * With a pending-job feed, the longest the runner sleeps with nothing due: a safety net (a clock
 * that jumped), not how work is found.
 */
const IDLE_TICK_MAX_MS = 60_000;

type Handler = (payload: never, context: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  db: Db;
  clock: Clock;
  /** Names this process in locked_by. */
  nodeId: string;
  /** Queue name → how many of its jobs may run at once on this node. */
  concurrency: Record<string, number>;
  pollIntervalMs: number;
  /** How long a claim lasts before another node may take the job over. */
  leaseMs: number;
  backoff: { baseMs: number; maxMs: number };
  metrics: JobMetrics;
  log: {
    error(details: object, message: string): void;
    warn(details: object, message: string): void;
  };
  /**
   * Runs on every poll tick, before the due check; the scheduler hooks in here. Resolves to when it
   * next has work (its next slot), which a runner with a pending-job feed wakes for.
   */
  beforePoll?: () => Promise<Date | undefined>;
  /**
   * The store's feed of jobs becoming pending (embedded store only, see Database.watchPendingJobs).
   * With it there is no fixed poll: a due job wakes its queue as it commits, a job due later arms
   * a timer for its run_at, and the tick runs only when something is due (a job, a schedule's
   * slot, a claim's lease end) or after IDLE_TICK_MAX_MS.
   */
  pendingJobs?: Database["watchPendingJobs"];
}

interface QueueLoop {
  running: Map<number, { done: Promise<void>; abort: AbortController }>;
  /** Set while the loop sleeps. */
  wake: (() => void) | null;
  /** A wake that came while the loop was busy claiming: it claims again instead of sleeping. */
  woken: boolean;
  /**
   * The last claim got fewer jobs than it asked for: nothing more was due. Until a wake (a local
   * enqueue, or the poll finding due jobs) says otherwise, finishing jobs do not claim again.
   */
  drained: boolean;
  loop: Promise<void> | null;
}

/**
 * Runs jobs from the shared jobs table. Each queue has its own loop and concurrency; a loop claims
 * as many due jobs as it has free slots (FOR UPDATE SKIP LOCKED, so nodes never claim the same
 * row), runs them, and sleeps until a slot frees or a local enqueue wakes it. One poll tick for all
 * queues finds work that arrived otherwise (another node, a retry or run_at coming due, an expired
 * claim): a single cheap query, and only the loops of queues with due jobs wake to claim. On the
 * embedded store the store reports every enqueue (`pendingJobs`), so the tick runs only when
 * something comes due: an idle server sleeps.
 */
export class JobRunner {
  readonly #handlers = new Map<string, Handler>();
  readonly #loops = new Map<string, QueueLoop>();
  #lastRescue = 0;
  #ticker: NodeJS.Timeout | null = null;
  /** With a pending-job feed: when (Date.now() ms) the armed tick fires. */
  #tickAt = Number.POSITIVE_INFINITY;
  #unwatch: Promise<() => Promise<void>> | null = null;
  /** The feed is on: ticks are armed for when work comes due instead of polled. */
  #fed = false;
  #ticking = false;
  /** A tick came due while one ran: run again once it is done. */
  #tickAgain = false;
  #stopping = false;

  constructor(private readonly options: JobRunnerOptions) {
    for (const queue of Object.keys(options.concurrency)) {
      this.#loops.set(queue, { running: new Map(), wake: null, woken: false, drained: false, loop: null });
    }
  }

  handle<P>(type: JobType<P>, handler: (payload: P, context: JobContext) => Promise<void>): void {
    if (!this.#loops.has(type.queue)) throw new Error(`queue ${type.queue} has no concurrency configured`);
    this.#handlers.set(type.name, handler as Handler);
  }

  start(): void {
    for (const [queue, state] of this.#loops) state.loop ??= this.#run(queue, state);
    const feed = this.options.pendingJobs;
    if (!feed) {
      this.#poll();
      return;
    }
    this.#unwatch ??= feed((queue, runAtMs) => this.#pending(queue, runAtMs)).then(
      (unwatch) => {
        this.#fed = true;
        // Work left from before the start (due jobs, expired claims, a missed slot): looked for now.
        this.#armTick(this.#now().getTime());
        return unwatch;
      },
      (error: unknown) => {
        this.options.log.error({ err: error }, "job queue: no pending-job feed; polling instead");
        this.#poll();
        return async () => {};
      },
    );
  }

  #poll(): void {
    if (!this.#stopping) this.#ticker ??= setInterval(() => void this.#tick(), this.options.pollIntervalMs);
  }

  /**
   * Nudges a queue's loop (after a local enqueue commits) instead of waiting for the next poll.
   * With a pending-job feed the store already reported the enqueue, so this does nothing.
   */
  wake(queue?: string): void {
    if (!this.#fed) this.#nudge(queue);
  }

  /** Looks for due work now: after the clock moved (tests move theirs) or work may have come due unseen. */
  recheck(): void {
    if (this.#fed) this.#armTick(this.#now().getTime());
    else void this.#tick();
  }

  /**
   * Stops claiming, lets running jobs finish until the deadline, then hands the rest back
   * (pending again, the attempt not counted) for this or another node to run.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    // clearInterval clears the feed's timeouts too (one kind of timer object in Node).
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#nudge();
    const unwatch = await this.#unwatch;
    await unwatch?.().catch(() => {});
    await Promise.all([...this.#loops.values()].map((state) => state.loop));
    const running = [...this.#loops.values()].flatMap((state) => [...state.running.entries()]);
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), deadlineMs);
    });
    const outcome = await Promise.race([Promise.all(running.map(([, job]) => job.done)), deadline]);
    clearTimeout(timer);
    if (outcome !== "deadline") return;
    const unfinished = [...this.#loops.values()].flatMap((state) => [...state.running.entries()]);
    for (const [, job] of unfinished) job.abort.abort();
    const ids = unfinished.map(([id]) => id);
    if (ids.length > 0) await this.#handBack(ids);
  }

  async #run(queue: string, state: QueueLoop): Promise<void> {
    const limit = this.options.concurrency[queue] ?? 1;
    while (!this.#stopping) {
      state.woken = false;
      let claimedAll = false;
      try {
        const free = limit - state.running.size;
        if (free > 0) {
          const claimed = await this.#claim(queue, free);
          for (const job of claimed) this.#start(job, state);
          claimedAll = claimed.length === free;
          state.drained = !claimedAll;
        }
      } catch (error) {
        if (this.#stopping) break;
        this.options.log.error({ err: error, queue }, "job queue poll failed");
      }
      // More may be due: claim again as soon as a slot is free.
      if (claimedAll && state.running.size < limit) continue;
      // Checked right before sleeping (nothing runs in between): no wake or stop is missed.
      if (this.#stopping) break;
      if (state.woken) continue;
      await new Promise<void>((resolve) => {
        state.wake = () => {
          state.wake = null;
          resolve();
        };
      });
    }
  }

  #nudge(queue?: string): void {
    for (const [name, state] of this.#loops) {
      if (queue && queue !== name) continue;
      // New work may be there: a short claim no longer means the queue is drained.
      state.drained = false;
      nudge(state);
    }
  }

  /** The feed's report of a job that became pending: claim it now, or tick when it comes due. */
  #pending(queue: string, runAtMs: number): void {
    if (!this.#loops.has(queue)) return;
    if (runAtMs <= this.#now().getTime()) this.#nudge(queue);
    else this.#armTick(runAtMs);
  }

  /**
   * With a pending-job feed: the next tick at clock time `atMs`, unless one fires sooner. Compared
   * in real time: a clock that moved (a test's) brings a clock time nearer than the timer knows.
   */
  #armTick(atMs: number): void {
    // A millisecond late rather than early: timers may fire a fraction early, before run_at.
    const delay = Math.max(0, atMs - this.#now().getTime() + 1);
    const fireAt = Date.now() + delay;
    if (this.#stopping || fireAt >= this.#tickAt) return;
    if (this.#ticker) clearTimeout(this.#ticker);
    this.#tickAt = fireAt;
    this.#ticker = setTimeout(() => {
      this.#ticker = null;
      this.#tickAt = Number.POSITIVE_INFINITY;
      void this.#tick();
    }, delay);
  }

  /** The poll: scheduler, expired claims, then wake the loops of queues that have due jobs. */
  async #tick(): Promise<void> {
    if (this.#stopping) return;
    if (this.#ticking) {
      this.#tickAgain = this.#fed;
      return;
    }
    this.#ticking = true;
    this.#tickAgain = false;
    let next = Number.POSITIVE_INFINITY;
    try {
      const slot = await this.options.beforePoll?.();
      const now = this.#now();
      await this.#rescueExpired(now);
      for (const queue of await this.#dueQueues(now)) this.#nudge(queue);
      if (this.#fed) {
        const due = await this.#nextDue(now);
        // A lease end is acted on by the rescue, which runs at most once a second.
        const rescue = Math.max(
          due.leaseEnd,
          this.#lastRescue + RESCUE_EVERY_MS + (now.getTime() - Date.now()),
        );
        next = Math.min(slot?.getTime() ?? next, due.runAt, rescue);
      }
    } catch (error) {
      if (!this.#stopping) this.options.log.error({ err: error }, "job queue poll failed");
      next = this.#now().getTime() + this.options.pollIntervalMs;
    } finally {
      this.#ticking = false;
    }
    if (!this.#fed) return;
    const now = this.#now().getTime();
    this.#armTick(this.#tickAgain ? now : Math.min(next, now + IDLE_TICK_MAX_MS));
  }

  /**
   * With a pending-job feed: when something next comes due that no report will announce: a job
   * pending for later (reported before this start, or while a tick ran), or a claim's lease end.
   */
  async #nextDue(now: Date): Promise<{ runAt: number; leaseEnd: number }> {
    // Epoch ms as float8: a number from both drivers (PGlite hands timestamps over as text here).
    const result = await this.options.db.execute(sql`
      SELECT
        extract(epoch FROM (SELECT min(run_at) FROM jobs WHERE state = 'pending' AND run_at > ${now}))::float8
          * 1000 AS run_at,
        extract(epoch FROM (SELECT min(locked_until) FROM jobs WHERE state = 'running'))::float8
          * 1000 AS lease_end`);
    const row = rowsOf<{ run_at: number | null; lease_end: number | null }>(result)[0];
    return {
      runAt: row?.run_at ?? Number.POSITIVE_INFINITY,
      leaseEnd: row?.lease_end ?? Number.POSITIVE_INFINITY,
    };
  }

  /** Queues with at least one due pending job: one index probe per queue, in one statement. */
  async #dueQueues(now: Date): Promise<string[]> {
    const queues = sql.join(
      [...this.#loops.keys()].map((queue) => sql`(${queue})`),
      sql`, `,
    );
    const result = await this.options.db.execute(sql`
      SELECT q.queue FROM (VALUES ${queues}) AS q(queue)
      WHERE EXISTS (
        SELECT 1 FROM jobs WHERE queue = q.queue AND state = 'pending' AND run_at <= ${now})`);
    return rowsOf<{ queue: string }>(result).map((row) => row.queue);
  }

  #start(job: ClaimedJob, state: QueueLoop): void {
    const abort = new AbortController();
    const done = this.#execute(job, abort.signal).finally(() => {
      state.running.delete(job.id);
      slotFreed(state);
    });
    state.running.set(job.id, { done, abort });
  }

  async #execute(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const handler = this.#handlers.get(job.name);
    let failure: unknown = null;
    try {
      if (!handler) throw new PermanentFailure(`no handler for job ${job.name}`);
      await handler(job.payload as never, { job, signal });
    } catch (error) {
      failure = error ?? new Error("job failed");
    }
    // Handed back at shutdown: the row is pending again and belongs to whoever claims it next.
    if (failure && signal.aborted) return;
    let outcome: "completed" | "retry" | "dead";
    try {
      if (failure) {
        outcome = await this.#fail(job, failure);
      } else {
        await this.#complete(job.id);
        outcome = "completed";
      }
    } catch (error) {
      // The lease runs out and the job runs again elsewhere: at-least-once, handlers are idempotent.
      this.options.log.error({ err: error, jobId: job.id }, "could not record a job's outcome");
      return;
    }
    const labels = { queue: job.queue, name: job.name, outcome };
    this.options.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    if (outcome !== "completed") this.options.metrics.failures.inc({ queue: job.queue, name: job.name });
  }

  async #fail(job: ClaimedJob, error: unknown): Promise<"retry" | "dead"> {
    const message = error instanceof Error ? error.message : String(error);
    const now = this.options.clock.now();
    const permanent = error instanceof PermanentFailure;
    if (permanent || job.attempt >= job.maxAttempts) {
      this.options.log.warn(
        { jobId: job.id, job: job.name, attempt: job.attempt, err: error },
        "job is dead",
      );
      await this.#finish(job, sql`state = 'dead', finished_at = ${now}, last_error = ${message}`);
      return "dead";
    }
    const runAt =
      error instanceof RetryAt
        ? error.at
        : new Date(now.getTime() + backoffDelayMs(job.attempt, this.options.backoff));
    await this.#finish(
      job,
      sql`state = 'pending', run_at = ${runAt}, last_error = ${message}, locked_by = NULL`,
    );
    return "retry";
  }

  /**
   * Jobs that succeeded are recorded completed together: one statement for every job that finished
   * while the previous one ran (until it is recorded the job stays claimed, its slot taken).
   */
  readonly #complete = groupCommit(async (ids: number[]) => {
    const now = this.#now();
    await this.options.db.execute(sql`
      UPDATE jobs SET state = 'completed', finished_at = ${now}, last_error = NULL, locked_until = NULL,
        updated_at = ${now}
      WHERE id = ANY(${`{${ids.join(",")}}`}::bigint[]) AND locked_by = ${this.options.nodeId}
        AND state = 'running'`);
    return undefined;
  });

  /**
   * Ends this node's claim; a claim another node took over (lease expired) is left alone.
   * A finished job keeps locked_by: which node ran it.
   */
  async #finish(job: ClaimedJob, set: SQL): Promise<void> {
    await this.options.db.execute(sql`
      UPDATE jobs SET ${set}, locked_until = NULL, updated_at = ${this.#now()}
      WHERE id = ${job.id} AND locked_by = ${this.options.nodeId} AND state = 'running'`);
  }

  async #claim(queue: string, limit: number): Promise<ClaimedJob[]> {
    const now = this.#now();
    const leaseEnd = new Date(now.getTime() + this.options.leaseMs);
    // Only pending rows: the partial index (queue, priority, run_at, id) WHERE pending gives this
    // order directly, so a claim reads the rows it takes, not the whole backlog.
    const result = await this.options.db.execute(sql`
      UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${this.options.nodeId},
        locked_until = ${leaseEnd}, updated_at = ${now}
      WHERE id IN (
        SELECT id FROM jobs
        WHERE queue = ${queue} AND state = 'pending' AND run_at <= ${now}
        ORDER BY priority, run_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, queue, name, payload, attempts, max_attempts, priority, run_at`);
    const rows = rowsOf<{
      id: string | number;
      queue: string;
      name: string;
      payload: unknown;
      attempts: number;
      max_attempts: number;
      priority: number;
      run_at: Date;
    }>(result);
    // RETURNING does not keep the subquery's order; run in priority order.
    rows.sort((a, b) => a.priority - b.priority || +new Date(a.run_at) - +new Date(b.run_at));
    return rows.map((row) => ({
      id: Number(row.id),
      queue: row.queue,
      name: row.name,
      payload: row.payload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    }));
  }

  /** Jobs whose claim ran out (their node died) become pending again; the attempt stays counted. */
  async #rescueExpired(now: Date): Promise<void> {
    if (Date.now() - this.#lastRescue < RESCUE_EVERY_MS) return;
    this.#lastRescue = Date.now();
    await this.options.db.execute(sql`
      UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, updated_at = ${now}
      WHERE state = 'running' AND locked_until < ${now}`);
  }

  async #handBack(ids: number[]): Promise<void> {
    const list = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    await this.options.db.execute(sql`
      UPDATE jobs SET state = 'pending', attempts = attempts - 1, run_at = ${this.#now()},
        locked_by = NULL, locked_until = NULL, updated_at = ${this.#now()}
      WHERE id IN (${list}) AND locked_by = ${this.options.nodeId} AND state = 'running'`);
  }

  #now(): Date {
    return this.options.clock.now();
  }
}
