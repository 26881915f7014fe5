/**
 * HTTP throughput of CodePark's REST API against a bare Fastify hello-world, under the same
 * autocannon load, in one process and one run. Three routes, each loaded on its own:
 * - `get`: authenticated `GET /api/v1/projects/:id` (session check, project and membership read);
 * - `list`: `GET /api/v1/projects`, the caller a member of LIST_PROJECTS projects (one full page);
 * - `patch`: `PATCH /api/v1/projects/:id`, every request a real change (a fresh description), so a
 *   transaction, a `project.updated` event, its dispatch job and a cache invalidation each time.
 *
 * Targets: CodePark on embedded PGlite (always), CodePark on PostgreSQL (when BENCH_DATABASE_URL, an
 * admin URL, is set: a throwaway database is created and dropped), and `fastify()` hello-world.
 * CodePark runs with its settings as deployed: logging at info (JSON lines to /dev/null, written
 * asynchronously as pino writes to stdout), the request limiter on (in-process counters; quotas too large
 * to refuse a single-account bench, so every request is still counted), the access cache at its
 * default TTL. Knobs to see the difference: BENCH_HTTP_LOG_LEVEL (e.g. silent),
 * BENCH_HTTP_RATE_LIMIT=off, CACHE_TTL_SECONDS (0 = cache off).
 *
 * One JSON line per target and route, then {"bench":"http","ratio":{…}}: each route's req/s over
 * hello-world's. Every line carries the server thread's CPU per request (`serverCpuUsPerRequest`,
 * /proc per-thread time of the main thread: the figure least disturbed by a shared machine),
 * `otherCpuPercent` (the rest of the machine during the window) and `quietWaitMs` (how long the bench
 * waited for the machine to settle first). CodePark's lines carry `cache`: hits, misses and hit rate
 * of the measured run, from `cache_requests_total` on /metrics.
 *
 * Env: BENCH_QUICK=1 (3 s runs, 1 s warm-up, shorter quiet waits), BENCH_DURATION (seconds, default
 *      10), BENCH_CONNECTIONS (default 50), BENCH_WARMUP (seconds of unrecorded load before each
 *      measured run, default 3), BENCH_WORKERS (autocannon worker threads, default 1),
 *      BENCH_HTTP_ROUTES (default get,list,patch), BENCH_HTTP_CPU_PROF (a directory: a V8 CPU profile
 *      of the main thread over each measured run).
 * Run alone: `npm run bench:http`; with every bench: `npm run bench`.
 */
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fastify, { type FastifyInstance } from "fastify";
import pino from "pino";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { createBenchProject } from "./lib/bench-project.ts";
import { cpuMark, cpuSince } from "./lib/cpu.ts";
import { benchQuick, listFromEnv, numberFromEnv } from "./lib/env.ts";
import {
  assertClean,
  cacheCounters,
  cacheHitRates,
  httpLoadFromEnv,
  type LoadTarget,
  resultFigures,
  runAutocannon,
} from "./lib/http-load.ts";
import { requestJson } from "./lib/request-json.ts";
import { round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

type Store = "pglite" | "postgres";
type RouteName = "get" | "list" | "patch";
const ROUTES: readonly RouteName[] = ["get", "list", "patch"];

const quick = benchQuick();
const load = httpLoadFromEnv({ warmupS: 3 });
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const cacheTtlSeconds = Math.floor(numberFromEnv("CACHE_TTL_SECONDS", 60, 0));
const logLevel = process.env.BENCH_HTTP_LOG_LEVEL || "info";
const rateLimited = process.env.BENCH_HTTP_RATE_LIMIT !== "off";
const cpuProfDir = process.env.BENCH_HTTP_CPU_PROF || undefined;
const routes = listFromEnv("BENCH_HTTP_ROUTES", ROUTES.join(",")).map((name) => {
  if (!ROUTES.includes(name as RouteName)) throw new Error(`BENCH_HTTP_ROUTES: unknown route ${name}`);
  return name as RouteName;
});
/** Projects the `list` caller is a member of: the API's default page (20) exactly. */
const LIST_PROJECTS = 20;
/** Quotas no bench reaches (as bench/limits.ts): every request is counted, none refused. */
const HUGE_TIER = "1000000000/min burst 1000000000 connections 1000000";

const settings = {
  logLevel,
  rateLimit: rateLimited ? "on (memory counters, quotas never reached)" : "off",
  cacheTtlSeconds,
};
const note =
  `server, load generator${adminUrl ? " and PostgreSQL" : ""} share ${availableParallelism()} cores; ` +
  (load.workers > 0
    ? `autocannon runs in ${load.workers} worker thread(s) of the server process`
    : "autocannon runs on the server's own event loop (same process, same thread)") +
  `; ${load.warmupS}s unrecorded warm-up before each run`;

/** Linux USER_HZ: /proc times are in these ticks. */
const TICKS_PER_SECOND = 100;

/** CPU µs the main thread (whose tid is the pid) has used: the server, not autocannon's worker. */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

/** Machine-wide busy CPU µs (/proc/stat). */
function machineBusyUs(): number {
  const fields = readFileSync("/proc/stat", "utf8")
    .split("\n", 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = fields.slice(0, 8).reduce((sum, value) => sum + value, 0) - fields[3]! - fields[4]!;
  return (busy / TICKS_PER_SECOND) * 1e6;
}

/**
 * Waits until the machine is quiet — under 10 % of one core for a whole second — so the previous
 * target's aftermath (a patch run's queued jobs, PostgreSQL dropping a database) stays out of the
 * next window; at most 30 s (3 s quick). Returns how long it waited.
 */
async function waitForQuietMachine(): Promise<number> {
  const started = performance.now();
  const limitMs = quick ? 3_000 : 30_000;
  while (performance.now() - started < limitMs) {
    const before = machineBusyUs();
    await new Promise((done) => setTimeout(done, 1_000));
    if (machineBusyUs() - before < 100_000) break;
  }
  return Math.round(performance.now() - started);
}

async function startProfile(): Promise<Session | undefined> {
  if (!cpuProfDir) return undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return session;
}

async function stopProfile(session: Session | undefined, name: string): Promise<void> {
  if (!session) return;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  await mkdir(cpuProfDir!, { recursive: true });
  const file = resolve(cpuProfDir!, `http-${name}-${Date.now()}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  process.stderr.write(`bench/http: ${name} CPU profile of the measured window: ${file}\n`);
}

/**
 * Quiet wait, warm-up (discarded), then the measured run. Any non-2xx or socket error is a bench
 * failure. Given a CodePark node's base URL, the line also reports its cache over the measured run.
 */
async function measure(
  fields: { target: string; route?: RouteName },
  target: LoadTarget,
  codeparkUrl?: string,
): Promise<number> {
  const name = fields.route ? `${fields.target}-${fields.route}` : fields.target;
  const quietWaitMs = await waitForQuietMachine();
  if (load.warmupS > 0) assertClean(name, "warm-up", await runAutocannon(target, load.warmupS, load));
  const metrics = async () => cacheCounters(await (await fetch(`${codeparkUrl}/metrics`)).text());
  const before = codeparkUrl ? await metrics() : undefined;
  const profile = await startProfile();
  const mark = cpuMark();
  const threadBefore = mainThreadCpuUs();
  const result = await runAutocannon(target, load.durationS, load);
  const serverCpuUs = mainThreadCpuUs() - threadBefore;
  const machine = cpuSince(mark);
  await stopProfile(profile, name);
  assertClean(name, "run", result);
  const cache = codeparkUrl
    ? { ttlSeconds: cacheTtlSeconds, ...cacheHitRates(before, await metrics()) }
    : undefined;
  const line = {
    bench: "http",
    ...fields,
    ...resultFigures(result),
    serverCpuUsPerRequest: round(serverCpuUs / Math.max(1, result.requests.total), 1),
    ...machine,
    quietWaitMs,
    ...(codeparkUrl ? { settings } : {}),
    ...(cache ? { cache } : {}),
    note,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return result.requests.average;
}

function baseUrlOf(http: FastifyInstance): string {
  const address = http.server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP port");
  return `http://127.0.0.1:${address.port}`;
}

/** The three loads, on one account: a project to read and one to patch, and a full page to list. */
async function routeTargets(api: string): Promise<Record<RouteName, LoadTarget>> {
  const { token, projectId } = await createBenchProject(api, { name: "bench project", description: "get" });
  const headers = { authorization: `Bearer ${token}` };
  const create = (name: string) =>
    requestJson<{ id: string }>(`${api}/projects`, { method: "POST", body: { name }, token }, 201);
  const patched = await create("bench project (patched)");
  for (let i = 2; i < LIST_PROJECTS; i++) await create(`bench project ${i}`);
  const listed = await requestJson<{ items: unknown[] }>(`${api}/projects`, { token }, 200);
  if (listed.items.length !== LIST_PROJECTS) throw new Error(`GET /projects listed ${listed.items.length}`);
  const fetched = await requestJson<{ id: string }>(`${api}/projects/${projectId}`, { token }, 200);
  if (fetched.id !== projectId) throw new Error(`GET /projects/${projectId} returned ${fetched.id}`);
  return {
    get: { url: `${api}/projects/${projectId}`, headers },
    list: { url: `${api}/projects`, headers },
    patch: {
      url: `${api}/projects/${patched.id}`,
      method: "PATCH",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ description: "bench [<id>]" }),
    },
  };
}

/**
 * Boots CodePark (in a temporary DATA_DIR, removed afterwards) with its deployed settings, sets up
 * the routes' data through the API, then loads each route in turn.
 */
async function benchCodePark(
  store: Store,
  env: Record<string, string> = {},
): Promise<Map<RouteName, number>> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-"));
  // As pino writes to stdout by default: SonicBoom, asynchronous writes, no minimum length.
  const logDestination = pino.destination("/dev/null");
  try {
    const app = await createApp(
      loadConfig({
        LOG_LEVEL: logLevel,
        RATE_LIMIT_ENABLED: String(rateLimited),
        RATE_LIMIT_ANONYMOUS: HUGE_TIER,
        RATE_LIMIT_FREE: HUGE_TIER,
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        ACCESS_TOKEN_TTL_SECONDS: "3600",
        CACHE_TTL_SECONDS: String(cacheTtlSeconds),
        ...env,
      }),
      { logStream: logDestination },
    );
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const base = baseUrlOf(app.http);
      const targets = await routeTargets(`${base}/api/v1`);
      const rates = new Map<RouteName, number>();
      for (const route of routes) {
        rates.set(route, await measure({ target: `codepark-${store}`, route }, targets[route], base));
      }
      return rates;
    } finally {
      await app.close();
    }
  } finally {
    // Written out and closed once the app has logged its last line.
    await new Promise((done) => {
      logDestination.once("close", done);
      logDestination.end();
    });
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A throwaway database created from the admin URL, dropped afterwards (even on failure). */
function benchPostgres(admin: string): Promise<Map<RouteName, number>> {
  return withThrowawayDatabase(admin, (url) => benchCodePark("postgres", { DATABASE_URL: url }));
}

async function benchHello(): Promise<number> {
  const http = fastify();
  http.get("/", async () => ({ hello: "world" }));
  try {
    await http.listen({ host: "127.0.0.1", port: 0 });
    return await measure({ target: "fastify-hello" }, { url: `${baseUrlOf(http)}/` });
  } finally {
    await http.close();
  }
}

async function main(): Promise<void> {
  const codepark = new Map<Store, Map<RouteName, number>>();
  codepark.set("pglite", await benchCodePark("pglite"));
  if (adminUrl) codepark.set("postgres", await benchPostgres(adminUrl));
  const hello = await benchHello();
  const ratio: Record<string, Record<string, number>> = {};
  for (const [store, rates] of codepark) {
    ratio[store] = Object.fromEntries([...rates].map(([route, rps]) => [route, round(rps / hello, 3)]));
  }
  process.stdout.write(`${JSON.stringify({ bench: "http", ratio, settings })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/http failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
