import {
  registerUser,
  startTestServer,
  TestClock,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { eq } from "drizzle-orm";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueJob, enqueueJobs } from "../src/domain/jobs/enqueue.ts";
import { jobType, PermanentFailure, Priority, RetryAt } from "../src/domain/jobs/job-type.ts";
import { jobSchedules, jobs } from "../src/domain/jobs/schema.ts";
import { createJobMetrics } from "../src/infra/queue/metrics.ts";
import { JobRunner, type JobRunnerOptions } from "../src/infra/queue/runner.ts";
import { Scheduler } from "../src/infra/queue/schedules.ts";

const silent = { error: () => {}, warn: () => {} };

/** Time that moves only when told: due times are then exact, however slow the machine. */
class FrozenClock {
  #now = Date.now();
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

describe.each(testStores())("the durable job queue on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;
  const runners: JobRunner[] = [];

  beforeAll(async () => {
    server = await startTestServer(store);
    admin = await registerUser(server.api, "Admin"); // the first account is the admin
  });
  afterAll(async () => {
    for (const runner of runners) await runner.stop(1_000);
    await server?.stop();
  });

  /** A runner of its own queue over the server's database (the server's runner never claims it). */
  function runner(queue: string, overrides: Partial<JobRunnerOptions> = {}): JobRunner {
    const created = new JobRunner({
      db: server.app.database.db,
      clock: server.clock,
      nodeId: `test-${queue}`,
      concurrency: { [queue]: 1 },
      pollIntervalMs: 20,
      leaseMs: 60_000,
      backoff: { baseMs: 1_000, maxMs: 60_000 },
      metrics: createJobMetrics(new Registry(), server.app.database.db),
      log: silent,
      ...overrides,
    });
    runners.push(created);
    return created;
  }
  const rowOf = async (id: number) =>
    (await server.app.database.db.select().from(jobs).where(eq(jobs.id, id)))[0]!;

  it("runs critical jobs before normal ones before background ones", async () => {
    const ran: string[] = [];
    const types = {
      background: jobType<{ n: number }>({
        name: "t.background",
        queue: "prio",
        priority: Priority.background,
        maxAttempts: 1,
      }),
      normal: jobType<{ n: number }>({
        name: "t.normal",
        queue: "prio",
        priority: Priority.normal,
        maxAttempts: 1,
      }),
      critical: jobType<{ n: number }>({
        name: "t.critical",
        queue: "prio",
        priority: Priority.critical,
        maxAttempts: 1,
      }),
    };
    const db = server.app.database.db;
    for (let n = 0; n < 5; n++) {
      await enqueueJob(db, server.clock, types.background, { n });
      await enqueueJob(db, server.clock, types.normal, { n });
      await enqueueJob(db, server.clock, types.critical, { n });
    }
    const queue = runner("prio");
    for (const [label, type] of Object.entries(types)) {
      queue.handle(type, async ({ n }) => void ran.push(`${label}${n}`));
    }
    queue.start();
    await waitFor(() => ran.length === 15);
    expect(ran).toEqual([
      ...[0, 1, 2, 3, 4].map((n) => `critical${n}`),
      ...[0, 1, 2, 3, 4].map((n) => `normal${n}`),
      ...[0, 1, 2, 3, 4].map((n) => `background${n}`),
    ]);
  });

  it("retries with exponential backoff and jitter on the clock, then dead-letters; an admin retries it", async () => {
    const clock = new FrozenClock();
    const flaky = jobType<{ label: string }>({
      name: "t.flaky",
      queue: "backoff",
      priority: Priority.normal,
      maxAttempts: 3,
    });
    let failNow = true;
    const runs: number[] = [];
    const queue = runner("backoff", { clock });
    queue.handle(flaky, async (_payload, { job }) => {
      runs.push(job.attempt);
      if (failNow) throw new Error(`boom ${job.attempt}`);
    });
    const id = await enqueueJob(server.app.database.db, clock, flaky, { label: "x" });
    queue.start();

    // Attempt n waits between half and all of 1 s · 2^(n-1).
    for (const [attempt, ceiling] of [
      [1, 1_000],
      [2, 2_000],
    ] as const) {
      // One read: state and attempts from two reads could straddle the claim (pending, then
      // running with the new attempt count) and pass while the job is still running.
      await waitFor(async () => {
        const row = await rowOf(id);
        return row.state === "pending" && row.attempts === attempt;
      });
      const row = await rowOf(id);
      const delay = row.runAt.getTime() - clock.now().getTime();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
      expect(row.lastError).toBe(`boom ${attempt}`);
      // Not yet due: nothing runs, however long real time passes.
      clock.advance(ceiling / 2 - 1);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(runs).toHaveLength(attempt);
      clock.advance(ceiling);
    }
    await waitFor(async () => (await rowOf(id)).state === "dead");
    expect(runs).toEqual([1, 2, 3]);
    expect((await rowOf(id)).lastError).toBe("boom 3");

    const dead = await server.api.get("/api/v1/jobs?state=dead", admin.accessToken);
    expect(dead.status).toBe(200);
    expect(dead.body.items).toContainEqual(
      expect.objectContaining({ id, state: "dead", attempts: 3, name: "t.flaky" }),
    );
    const user = await registerUser(server.api);
    expect((await server.api.get("/api/v1/jobs?state=dead", user.accessToken)).status).toBe(403);
    failNow = false;
    const retried = await server.api.post(`/api/v1/jobs/${id}/retry`, {}, admin.accessToken);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ state: "pending", attempts: 0 });
    await waitFor(async () => (await rowOf(id)).state === "completed");
    expect(runs).toEqual([1, 2, 3, 1]);
    const again = await server.api.post(`/api/v1/jobs/${id}/retry`, {}, admin.accessToken);
    expect(again.status).toBe(409);
  });

  it("hands running jobs back at shutdown, and takes over a job whose node died", async () => {
    const slow = jobType<Record<string, never>>({
      name: "t.slow",
      queue: "handback",
      priority: Priority.normal,
      maxAttempts: 5,
    });
    let started = 0;
    const first = runner("handback", { nodeId: "node-a" });
    first.handle(slow, (_payload, { signal }) => {
      started++;
      return new Promise((_resolve, reject) =>
        signal.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    });
    const id = await enqueueJob(server.app.database.db, server.clock, slow, {});
    first.start();
    await waitFor(() => started === 1);
    expect((await rowOf(id)).state).toBe("running");
    await first.stop(100);
    expect(await rowOf(id)).toMatchObject({ state: "pending", attempts: 0, lockedBy: null });

    // A node that dies keeps its claim until the lease runs out; then another node takes the job.
    await server.app.database.db
      .update(jobs)
      .set({
        state: "running",
        attempts: 1,
        lockedBy: "dead-node",
        lockedUntil: new Date(server.clock.now().getTime() + 5_000),
      })
      .where(eq(jobs.id, id));
    const second = runner("handback", { nodeId: "node-b" });
    second.handle(slow, async () => {});
    second.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await rowOf(id)).lockedBy).toBe("dead-node");
    server.clock.advance(6_000);
    await waitFor(async () => (await rowOf(id)).state === "completed");
    expect(await rowOf(id)).toMatchObject({ attempts: 2, lockedBy: "node-b" });
  });

  it("does not lose a wake or a stop that arrives while a claim is in flight", async () => {
    const db = server.app.database.db;
    const dialect = (db as unknown as { dialect: { sqlToQuery(query: unknown): { sql: string } } }).dialect;
    // Claims run their statement, then wait here: the moment a wake or stop can fall between
    // the claim's read and the loop going back to sleep.
    let release: (() => void) | null = null;
    let held = 0;
    const gated = Object.create(db) as typeof db;
    gated.execute = (async (query: Parameters<typeof db.execute>[0]) => {
      const result = await db.execute(query);
      if (dialect.sqlToQuery(query).sql.trimStart().startsWith("UPDATE jobs SET state = 'running'")) {
        held++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      return result;
    }) as typeof db.execute;
    const gatedJob = jobType<Record<string, never>>({
      name: "t.gated",
      queue: "gated",
      priority: Priority.normal,
      maxAttempts: 1,
    });
    // No poll tick during the test: only wakes can start a claim.
    const queue = runner("gated", { db: gated, pollIntervalMs: 600_000 });
    let ran = 0;
    queue.handle(gatedJob, async () => {
      ran++;
    });
    queue.start();
    await waitFor(() => held === 1, 5_000, "first claim in flight");
    // The claim found nothing; a job commits and its wake arrives before the loop sleeps.
    await enqueueJob(db, server.clock, gatedJob, {});
    queue.wake("gated");
    release!();
    await waitFor(() => held === 2, 5_000, "the wake made the loop claim again");
    release!();
    await waitFor(() => ran === 1, 5_000, "the job ran");
    // Again a claim in flight (after the job finished), and now a stop arrives meanwhile.
    await waitFor(() => held === 3, 5_000, "claim after the job");
    const stopped = queue.stop(1_000);
    release!();
    await expect(
      Promise.race([
        stopped.then(() => "stopped"),
        new Promise((resolve) => setTimeout(() => resolve("still running"), 5_000)),
      ]),
    ).resolves.toBe("stopped");
  });

  /** The server's db with the runner's statements (all go through execute) counted by kind. */
  function counted(kinds: Record<string, number>) {
    const db = server.app.database.db;
    const dialect = (db as unknown as { dialect: { sqlToQuery(query: unknown): { sql: string } } }).dialect;
    const wrapped = Object.create(db) as typeof db;
    wrapped.execute = ((query: Parameters<typeof db.execute>[0]) => {
      const text = dialect.sqlToQuery(query).sql.trimStart();
      const kind = text.startsWith("UPDATE jobs SET state = 'running'")
        ? "claim"
        : text.startsWith("UPDATE jobs SET state = 'completed'")
          ? "complete"
          : "other";
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      return db.execute(query);
    }) as typeof db.execute;
    return wrapped;
  }

  it("records jobs that finish together as completed in one statement", async () => {
    const batch = jobType<{ n: number }>({
      name: "t.batch",
      queue: "together",
      priority: Priority.normal,
      maxAttempts: 1,
    });
    const kinds: Record<string, number> = {};
    const queue = runner("together", {
      db: counted(kinds),
      concurrency: { together: 10 },
      pollIntervalMs: 600_000,
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    queue.handle(batch, async () => {
      started++;
      await released;
    });
    const ids = await enqueueJobs(
      server.app.database.db,
      server.clock,
      batch,
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    queue.start();
    await waitFor(() => started === 10);
    release();
    await waitFor(async () => (await Promise.all(ids.map(rowOf))).every((row) => row.state === "completed"));
    expect(kinds.complete).toBe(1);
  });

  it("does not claim again for every finishing job once the queue is drained", async () => {
    const step = jobType<{ n: number }>({
      name: "t.step",
      queue: "drained",
      priority: Priority.normal,
      maxAttempts: 1,
    });
    const kinds: Record<string, number> = {};
    // No poll tick: only the runner's own loop claims.
    const queue = runner("drained", {
      db: counted(kinds),
      concurrency: { drained: 5 },
      pollIntervalMs: 600_000,
    });
    const releases = new Map<number, () => void>();
    queue.handle(step, ({ n }) => new Promise<void>((resolve) => releases.set(n, resolve)));
    const ids = await enqueueJobs(
      server.app.database.db,
      server.clock,
      step,
      Array.from({ length: 5 }, (_, n) => ({ n })),
    );
    queue.start();
    await waitFor(() => releases.size === 5);
    // One at a time: each finishes while the others still run.
    for (const [n, finish] of releases) {
      finish();
      await waitFor(async () => (await rowOf(ids[n]!)).state === "completed");
    }
    // The first claim filled every slot; the first free slot claimed again and found nothing.
    expect(kinds.claim).toBe(2);
    // A new job still runs: enqueuing wakes the queue.
    const later = await enqueueJob(server.app.database.db, server.clock, step, { n: 5 });
    queue.wake("drained");
    await waitFor(() => releases.size === 6);
    releases.get(5)!();
    await waitFor(async () => (await rowOf(later)).state === "completed");
  });

  it("enqueues many jobs in one statement, ids in payload order", async () => {
    const many = jobType<{ n: number }>({
      name: "t.many",
      queue: "unclaimed",
      priority: Priority.background,
      maxAttempts: 2,
    });
    const ids = await enqueueJobs(
      server.app.database.db,
      server.clock,
      many,
      Array.from({ length: 20 }, (_, n) => ({ n })),
      { maxAttempts: 7 },
    );
    expect(ids).toHaveLength(20);
    for (const [n, id] of ids.entries()) {
      expect(await rowOf(id)).toMatchObject({ payload: { n }, maxAttempts: 7, state: "pending" });
    }
    expect(await enqueueJobs(server.app.database.db, server.clock, many, [])).toEqual([]);
  });
  it.runIf(store === "pglite")(
    "hears of every job that becomes pending on the embedded store, so it needs no poll",
    async () => {
      const feed = server.app.database.watchPendingJobs;
      expect(feed).not.toBeNull();
      const heard = jobType<{ step: string }>({
        name: "t.heard",
        queue: "heard",
        priority: Priority.normal,
        maxAttempts: 3,
      });
      const ran: string[] = [];
      // No poll: after its first look at start, the runner ticks only when something it heard of
      // comes due (or after a minute with nothing due).
      const queue = runner("heard", { pendingJobs: feed, pollIntervalMs: 600_000 });
      queue.handle(heard, async ({ step }, { job }) => {
        ran.push(`${step}#${job.attempt}`);
        const later = new Date(server.clock.now().getTime() + 200);
        if (step === "retried" && job.attempt === 1) throw new RetryAt(later, "again soon");
        if (step === "dead") throw new PermanentFailure("never works");
      });
      queue.start();
      const db = server.app.database.db;
      const inMs = (ms: number) => new Date(server.clock.now().getTime() + ms);

      // Enqueued now: the commit's announcement wakes the queue (no wake() call anywhere here).
      await enqueueJob(db, server.clock, heard, { step: "now" });
      await waitFor(() => ran.includes("now#1"), 5_000, "a job enqueued now ran");
      // Due later, and retried later: each arms a timer for its run_at.
      await enqueueJob(db, server.clock, heard, { step: "later" }, { runAt: inMs(300) });
      await enqueueJob(db, server.clock, heard, { step: "retried" });
      await waitFor(() => ran.includes("later#1"), 5_000, "a job due later ran");
      await waitFor(() => ran.includes("retried#2"), 5_000, "a retried job ran again");
      // Made pending by an UPDATE (an admin's retry of a dead job), not an insert.
      const id = await enqueueJob(db, server.clock, heard, { step: "dead" });
      await waitFor(async () => (await rowOf(id)).state === "dead", 5_000, "the job died");
      const retried = await server.api.post(`/api/v1/jobs/${id}/retry`, {}, admin.accessToken);
      expect(retried.status).toBe(200);
      await waitFor(() => ran.filter((step) => step === "dead#1").length === 2, 5_000, "the retried job ran");
    },
  );

  it("enqueues a recurring job once per slot across nodes", async () => {
    const clock = new TestClock();
    const tick = jobType<Record<string, never>>({
      name: "t.cron",
      queue: "cron",
      priority: Priority.background,
      maxAttempts: 1,
    });
    const db = server.app.database.db;
    const nodes = [
      new Scheduler(db, clock, [{ name: "test-minutely", cron: "* * * * *", type: tick, payload: {} }], 0),
      new Scheduler(db, clock, [{ name: "test-minutely", cron: "* * * * *", type: tick, payload: {} }], 0),
    ];
    for (const node of nodes) await node.register();
    const count = async () => (await db.select().from(jobs).where(eq(jobs.name, "t.cron"))).length;
    expect(await Promise.all(nodes.map((node) => node.tick()))).toEqual([0, 0]);
    clock.advance(61_000);
    const first = await Promise.all(nodes.map((node) => node.tick()));
    expect(first.reduce((a, b) => a + b)).toBe(1);
    expect(await Promise.all(nodes.map((node) => node.tick()))).toEqual([0, 0]);
    clock.advance(60_000);
    await Promise.all(nodes.map((node) => node.tick()));
    expect(await count()).toBe(2);
    const [schedule] = await db.select().from(jobSchedules).where(eq(jobSchedules.name, "test-minutely"));
    expect(schedule!.nextRunAt.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  it("reports queue depth by state, job durations and failures at /metrics", async () => {
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/jobs_queue_depth\{queue="account",state="completed"\} \d+/);
    expect(metrics).toContain("job_duration_seconds_bucket");
    expect(metrics).toContain("# TYPE job_failures_total counter");
  });
});
