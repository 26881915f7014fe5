/**
 * Webhook deliveries per second, end to end through the real app: createApp (in-memory PGlite, and
 * PostgreSQL when BENCH_DATABASE_URL, an admin URL, is set: a throwaway database per scenario,
 * dropped afterwards) listening on an ephemeral port, one user and project made through the API,
 * K webhooks subscribed to "project.updated" pointing at a local node:http receiver (204, records
 * every webhook-id). Two modes:
 *   patch    M `PATCH /api/v1/projects/:id` (a new description each) from C concurrent clients as
 *            fast as they go. The path is the product's: outbox event → events.dispatch job →
 *            fan-out (a delivery row and a webhooks.deliver job per endpoint) → one signed POST per
 *            delivery.
 *   backlog  the delivery stage alone: M events fanned out (the product's fanOutToWebhooks) in one
 *            transaction, so M×K deliveries are due at once, then the runner is woken and drains
 *            them. No PATCH, no events.dispatch: what the delivery stage does on its own.
 *
 * One JSON line per store × mode × JOBS_CONCURRENCY setting ("default" = the app's own):
 *   deliveriesPerSec     distinct webhook-ids received / (first PATCH sent, or the backlog's commit →
 *                        last delivery received)
 *   cpuMsPerDelivery     this process's CPU (server, clients, receiver) / deliveries: the figure least
 *                        disturbed by other load on the machine
 *   updatesPerSec        PATCHes answered / (first sent → last answered); patchP50/P99Ms their latency
 *   eventToDelivery*Ms   receive time − the body's `timestamp` (the event's occurredAt, ms precision);
 *                        backlog: sinceDue*Ms, receive time − the backlog's commit
 *   afterResponse*Ms     receive time − when the PATCH that caused it was answered
 *   drainAfterUpdatesS   last PATCH answered → last delivery received (the backlog left behind)
 *   stages               per job queue, created_at → finished_at of its jobs (p50/p99 ms): events =
 *                        commit → fan-out done (events.dispatch), webhooks = fan-out → delivery recorded;
 *                        runMeanMs = mean time running a job (job_duration_seconds from /metrics), so
 *                        the rest of a stage is time queued
 *   duplicates           webhook-ids received more than once (must be 0); missing: expected − distinct;
 *                        unsigned / unparsable: requests without webhook-id + signature / a JSON body
 *   rows                 webhook_deliveries by status, attempts recorded (attemptMsP50/P99: each
 *                        attempt's logged duration, connect to answer), jobs by queue and state
 * Everything (server, clients, receiver) shares one process; processCpuPercent is all of it,
 * otherCpuPercent the rest of the machine (PostgreSQL for the postgres store). Exits non-zero on a
 * duplicate, a missing delivery (after BENCH_WEBHOOKS_TIMEOUT) or an unexpected HTTP status.
 *
 * Env: BENCH_WEBHOOKS_HOOKS (K, default 4), BENCH_WEBHOOKS_UPDATES (M, default 100; 50 quick),
 *      BENCH_WEBHOOKS_CLIENTS (C, default 4), BENCH_WEBHOOKS_TIMEOUT (seconds to wait for every
 *      delivery, default 30), BENCH_WEBHOOKS_MODES (default "patch,backlog"),
 *      BENCH_WEBHOOKS_JOBS_CONCURRENCY (";"-separated JOBS_CONCURRENCY values, "default" for the
 *      app's; default "default;webhooks=8", quick "default"),
 *      BENCH_WEBHOOKS_POOL (DATABASE_POOL_SIZE on PostgreSQL, default the app's 10),
 *      BENCH_WEBHOOKS_STORES (default "pglite,postgres"), BENCH_DATABASE_URL,
 *      BENCH_WEBHOOKS_CPU_PROF (a directory: a V8 CPU profile of each scenario's measured window),
 *      BENCH_QUICK=1 (the quick defaults above).
 * Run alone: `npx tsx bench/webhooks.ts`; with every bench: `npm run bench`.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "drizzle-orm";
import { type App, createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { fanOutToWebhooks } from "../apps/server/src/domain/webhooks/fanout.ts";
import { rowsOf } from "../apps/server/src/infra/db/rows.ts";
import { createBenchProject } from "./lib/bench-project.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { listFromEnv, numberFromEnv } from "./lib/env.ts";
import { requestJson } from "./lib/request-json.ts";
import { percentiles, round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

const quick = process.env.BENCH_QUICK === "1";
const hookCount = Math.floor(numberFromEnv("BENCH_WEBHOOKS_HOOKS", 4, 1));
const updateCount = Math.floor(numberFromEnv("BENCH_WEBHOOKS_UPDATES", quick ? 50 : 100, 1));
const clientCount = Math.floor(numberFromEnv("BENCH_WEBHOOKS_CLIENTS", 4, 1));
const timeoutS = numberFromEnv("BENCH_WEBHOOKS_TIMEOUT", 30, 1);
/** JOBS_CONCURRENCY values to run, ";"-separated (each may hold commas); "default": the app's own. */
const jobsConcurrencies = (
  process.env.BENCH_WEBHOOKS_JOBS_CONCURRENCY || (quick ? "default" : "default;webhooks=8")
)
  .split(";")
  .map((value) => value.trim())
  .filter(Boolean);
type Mode = "patch" | "backlog";
const modes = listFromEnv("BENCH_WEBHOOKS_MODES", "patch,backlog") as Mode[];
for (const mode of modes) {
  if (mode !== "patch" && mode !== "backlog") throw new Error(`BENCH_WEBHOOKS_MODES: "${mode}"?`);
}
type Store = "pglite" | "postgres";
const stores = listFromEnv("BENCH_WEBHOOKS_STORES", "pglite,postgres") as Store[];
for (const store of stores) {
  if (store !== "pglite" && store !== "postgres") throw new Error(`BENCH_WEBHOOKS_STORES: "${store}"?`);
}
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
/** DATABASE_POOL_SIZE for the PostgreSQL store; unset: the app's default (10). */
const poolSize = process.env.BENCH_WEBHOOKS_POOL || undefined;
/** A directory: a V8 CPU profile of each scenario's measured window is written there. */
const cpuProfDir = process.env.BENCH_WEBHOOKS_CPU_PROF || undefined;

interface Receiver {
  server: Server;
  url: string;
  /** webhook-id → times received. */
  seen: Map<string, number>;
  eventToDelivery: number[];
  /** Per delivery: update index and arrival (performance.now()), for the after-response latency. */
  arrivals: { update: number; at: number }[];
  unsigned: number;
  unparsable: number;
  /** TCP connections the sender opened to the receiver (keep-alive reuses them). */
  connections: number;
  lastAt: number;
  /** Resolves when `expected` distinct ids have arrived. */
  until(expected: number): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let target = Number.POSITIVE_INFINITY;
  let reached: (() => void) | null = null;
  const receiver: Receiver = {
    server: undefined as unknown as Server,
    url: "",
    seen: new Map(),
    eventToDelivery: [],
    arrivals: [],
    unsigned: 0,
    unparsable: 0,
    connections: 0,
    lastAt: 0,
    until(expected) {
      target = expected;
      return new Promise((resolve) => {
        reached = resolve;
        if (receiver.seen.size >= target) resolve();
      });
    },
  };
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = performance.now();
      const wall = Date.now();
      response.writeHead(204).end();
      const id = request.headers["webhook-id"];
      if (typeof id !== "string" || typeof request.headers["webhook-signature"] !== "string") {
        receiver.unsigned++;
        return;
      }
      receiver.seen.set(id, (receiver.seen.get(id) ?? 0) + 1);
      receiver.lastAt = at;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          timestamp: string;
          data: { project: { description: string } };
        };
        receiver.eventToDelivery.push(wall - Date.parse(body.timestamp));
        const update = Number(/^bench update (\d+)$/.exec(body.data.project.description)?.[1]);
        if (Number.isInteger(update)) receiver.arrivals.push({ update, at });
      } catch {
        receiver.unparsable++;
      }
      if (receiver.seen.size >= target && reached) {
        reached();
        reached = null;
      }
    });
  };
  const server = createServer(onRequest);
  server.on("connection", () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.server = server;
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** C clients sharing one counter, each PATCHing the next update until M are done. */
async function fireUpdates(
  api: string,
  token: string,
  projectId: string,
  respondedAt: Float64Array,
): Promise<{ patchMs: number[]; lastAt: number }> {
  const patchMs: number[] = [];
  let next = 0;
  let lastAt = 0;
  const client = async () => {
    while (next < updateCount) {
      const update = next++;
      const sent = performance.now();
      const response = await fetch(`${api}/projects/${projectId}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ description: `bench update ${update}` }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`PATCH update ${update}: ${response.status} ${text}`);
      lastAt = performance.now();
      respondedAt[update] = lastAt;
      patchMs.push(lastAt - sent);
    }
  };
  await Promise.all(Array.from({ length: clientCount }, client));
  return { patchMs, lastAt };
}

/**
 * The delivery stage alone: M project.updated events fanned out by the product's own fan-out in one
 * transaction, so M×K deliveries are due at once (the caller then wakes the runner, as a dispatch does).
 */
async function fanOutBacklog(app: App, projectId: string): Promise<void> {
  const { clock, webhooks: settings } = app.ctx;
  const occurredAt = clock.now();
  const events = Array.from({ length: updateCount }, (_, update) => ({
    seq: update,
    id: `evt_bench_${update}`,
    type: "project.updated",
    actorId: null,
    projectId,
    data: {
      projectId,
      changedFields: ["description"],
      project: { id: projectId, description: `bench update ${update}` },
    },
    audience: null,
    occurredAt,
  }));
  await app.database.db.transaction((tx) => fanOutToWebhooks(tx, clock, settings, events));
}

/** Mean run time of completed jobs per queue, from the app's own job_duration_seconds histogram. */
async function jobRunMeans(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const totals: Record<string, { sum: number; count: number }> = {};
  const pattern = /^job_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm;
  for (const [, kind, labels, value] of text.matchAll(pattern)) {
    if (!labels!.includes('outcome="completed"')) continue;
    const queue = /queue="([^"]+)"/.exec(labels!)?.[1] ?? "?";
    totals[queue] ??= { sum: 0, count: 0 };
    totals[queue][kind as "sum" | "count"] += Number(value);
  }
  return Object.fromEntries(
    Object.entries(totals).map(([queue, { sum, count }]) => [queue, round((sum / count) * 1000, 1)]),
  );
}

async function runScenario(
  store: Store,
  mode: Mode,
  jobsConcurrency: string,
  databaseUrl: string | undefined,
): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-webhooks-"));
  const receiver = await startReceiver();
  try {
    const app = await createApp(
      loadConfig({
        LOG_LEVEL: "silent",
        // The bench measures the server, not its limits (bench/limits.ts measures those).
        RATE_LIMIT_ENABLED: "false",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        ACCESS_TOKEN_TTL_SECONDS: "3600",
        WEBHOOK_ALLOW_PRIVATE: "true",
        JOBS_POLL_INTERVAL_MS: "50",
        ...(jobsConcurrency === "default" ? {} : { JOBS_CONCURRENCY: jobsConcurrency }),
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...(databaseUrl && poolSize ? { DATABASE_POOL_SIZE: poolSize } : {}),
      }),
      databaseUrl ? {} : { database: { kind: "pglite" } },
    );
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const api = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}/api/v1`;
      const { token, projectId } = await createBenchProject(api, {
        name: "bench project",
        description: "webhook source",
      });
      for (let k = 0; k < hookCount; k++) {
        await requestJson(
          `${api}/webhooks`,
          {
            method: "POST",
            token,
            body: {
              url: `${receiver.url}/hook/${k}`,
              events: ["project.updated"],
              description: `bench ${k}`,
            },
          },
          201,
        );
      }
      const expected = hookCount * updateCount;
      const respondedAt = new Float64Array(updateCount).fill(Number.NaN);
      const allArrived = receiver.until(expected);
      // Backlog: everything is due once this commits; the clock starts when the runner is woken.
      if (mode === "backlog") await fanOutBacklog(app, projectId);
      const profiler = cpuProfDir ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.start");
      }
      const cpu = cpuMark();
      const cpuAt = process.cpuUsage();
      const t0 = performance.now();
      let patches = { patchMs: [] as number[], lastAt: t0 };
      if (mode === "patch") patches = await fireUpdates(api, token, projectId, respondedAt);
      else app.jobs.runner.wake("webhooks");
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        allArrived.then(() => "done" as const),
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), timeoutS * 1000);
        }),
      ]);
      clearTimeout(timer);
      const end = outcome === "done" ? receiver.lastAt : performance.now();
      const cpuUse = cpuSince(cpu);
      const cpuUsed = process.cpuUsage(cpuAt);
      const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
      if (profiler) {
        const { profile } = await profiler.post("Profiler.stop");
        profiler.disconnect();
        await mkdir(cpuProfDir!, { recursive: true });
        const file = resolve(cpuProfDir!, `webhooks-${store}-${Date.now()}.cpuprofile`);
        await writeFile(file, JSON.stringify(profile));
        process.stderr.write(`bench/webhooks: ${store} ${jobsConcurrency} CPU profile: ${file}\n`);
      }
      // A second delivery of the same message would come from a re-run job: give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));

      const db = app.database.db;
      const deliveries = rowsOf<{ status: string; count: number }>(
        await db.execute(sql`SELECT status, count(*)::int AS count FROM webhook_deliveries GROUP BY status`),
      );
      const [attempts] = rowsOf<{ count: number; failed: number; p50: number; p99: number }>(
        await db.execute(
          sql`SELECT count(*)::int AS count, count(*) FILTER (WHERE error IS NOT NULL OR status_code >= 300)::int AS failed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
              FROM webhook_attempts`,
        ),
      );
      const jobs = rowsOf<{ queue: string; state: string; count: number; reruns: number }>(
        await db.execute(
          sql`SELECT queue, state, count(*)::int AS count, count(*) FILTER (WHERE attempts > 1)::int AS reruns
              FROM jobs WHERE queue IN ('events', 'webhooks') GROUP BY queue, state ORDER BY queue, state`,
        ),
      );

      const stages = rowsOf<{ queue: string; p50: number; p99: number }>(
        await db.execute(
          sql`SELECT queue,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) * 1000 AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) * 1000 AS p99
              FROM jobs WHERE queue IN ('events', 'webhooks') AND state = 'completed' GROUP BY queue`,
        ),
      );

      const runMeanMs = await jobRunMeans(api.replace(/\/api\/v1$/, "/metrics"));

      let duplicates = 0;
      for (const count of receiver.seen.values()) if (count > 1) duplicates++;
      const afterResponse = receiver.arrivals
        .filter(({ update }) => !Number.isNaN(respondedAt[update]!))
        .map(({ update, at }) => at - respondedAt[update]!);
      // Backlog: from the moment everything was due (the events' timestamps are older: the fan-out).
      const latencies =
        mode === "patch" ? receiver.eventToDelivery : receiver.arrivals.map(({ at }) => at - t0);
      const [e50, e99, eMax] = percentiles(latencies, [50, 99, 100]);
      const [r50, r99] = percentiles(afterResponse, [50, 99]);
      const [p50, p99] = percentiles(patches.patchMs, [50, 99]);
      return {
        bench: "webhooks",
        store,
        mode,
        jobsConcurrency,
        ...(store === "postgres" ? { poolSize: Number(poolSize ?? 10) } : {}),
        hooks: hookCount,
        updates: updateCount,
        clients: clientCount,
        expected,
        delivered: receiver.seen.size,
        deliveriesPerSec: round(receiver.seen.size / ((end - t0) / 1000), 1),
        durationS: round((end - t0) / 1000, 2),
        cpuMsPerDelivery: round(cpuMs / Math.max(1, receiver.seen.size), 2),
        ...(mode === "patch"
          ? {
              updatesPerSec: round(updateCount / ((patches.lastAt - t0) / 1000), 1),
              patchP50Ms: p50,
              patchP99Ms: p99,
            }
          : {}),
        ...(mode === "patch"
          ? { eventToDeliveryP50Ms: e50, eventToDeliveryP99Ms: e99, eventToDeliveryMaxMs: eMax }
          : { sinceDueP50Ms: e50, sinceDueP99Ms: e99, sinceDueMaxMs: eMax }),
        ...(mode === "patch"
          ? {
              afterResponseP50Ms: r50,
              afterResponseP99Ms: r99,
              drainAfterUpdatesS: round((end - patches.lastAt) / 1000, 2),
            }
          : {}),
        stages: Object.fromEntries(
          stages.map((row) => [
            row.queue,
            {
              p50Ms: round(Number(row.p50), 1),
              p99Ms: round(Number(row.p99), 1),
              runMeanMs: runMeanMs[row.queue],
            },
          ]),
        ),
        duplicates,
        missing: expected - receiver.seen.size,
        unsigned: receiver.unsigned,
        receiverConnections: receiver.connections,
        unparsable: receiver.unparsable,
        timedOut: outcome === "timeout",
        rows: {
          deliveries: Object.fromEntries(deliveries.map((row) => [row.status, row.count])),
          attempts: attempts?.count ?? 0,
          failedAttempts: attempts?.failed ?? 0,
          // The sender's own time per attempt (connect, send, answer), as logged with each attempt.
          attemptMsP50: round(Number(attempts?.p50 ?? 0), 1),
          attemptMsP99: round(Number(attempts?.p99 ?? 0), 1),
          jobs: Object.fromEntries(jobs.map((row) => [`${row.queue}.${row.state}`, row.count])),
          jobsRunMoreThanOnce: jobs.reduce((sum, row) => sum + row.reruns, 0),
        },
        ...cpuUse,
      };
    } finally {
      await app.close();
    }
  } finally {
    await closeServer(receiver.server);
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const note =
    `${availableParallelism()} cores shared by server, ${clientCount} clients, receiver` +
    `${adminUrl ? " and PostgreSQL" : ""}; one process; JOBS_POLL_INTERVAL_MS=50`;
  const failures: string[] = [];
  const plan = stores.flatMap((store) =>
    store === "postgres" && !adminUrl
      ? []
      : modes.flatMap((mode) => jobsConcurrencies.map((concurrency) => ({ store, mode, concurrency }))),
  );
  for (const { store, mode, concurrency } of plan) {
    const label = `${store} ${mode} JOBS_CONCURRENCY=${concurrency}`;
    try {
      const line =
        store === "postgres"
          ? await withThrowawayDatabase(adminUrl!, (url) => runScenario(store, mode, concurrency, url))
          : await runScenario(store, mode, concurrency, undefined);
      line.note = note;
      process.stdout.write(`${JSON.stringify(line)}\n`);
      if (line.duplicates !== 0 || line.missing !== 0 || line.unsigned !== 0 || line.unparsable !== 0) {
        failures.push(label);
      }
    } catch (error) {
      failures.push(`${label}: ${error instanceof Error ? error.message : error}`);
      process.stderr.write(
        `bench/webhooks: ${label} failed: ${error instanceof Error ? error.stack : error}\n`,
      );
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`bench/webhooks failures:\n  ${failures.join("\n  ")}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/webhooks failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exitCode = 1;
});
