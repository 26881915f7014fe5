/**
 * HTTP throughput of CodePark's authenticated `GET /api/v1/projects/:id` against a bare Fastify
 * hello-world, under the same autocannon load, in one process.
 *
 * Targets: CodePark on embedded PGlite (always), CodePark on PostgreSQL (when BENCH_DATABASE_URL,
 * an admin URL, is set: a throwaway database is created and dropped), and `fastify()` hello-world.
 * Prints one JSON line per target, then {"bench":"http","ratio":{store: codepark rps / hello rps}}.
 *
 * Env: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (default 50),
 *      BENCH_WARMUP (seconds of unrecorded load before each measured run, default 1),
 *      BENCH_WORKERS (autocannon worker threads, default 1; 0 generates load on the server's own event
 *      loop, which then steals time from the server it measures),
 *      CACHE_TTL_SECONDS (the server's read cache, default 60; 0 turns it off: the "without cache" figure).
 * CodePark's lines carry `cache`: the TTL and the hits, misses and hit rate of the measured run, from
 * `cache_requests_total` on /metrics before and after it.
 * Run alone: `npm run bench:http`; with every bench: `npm run bench`.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import fastify, { type FastifyInstance } from "fastify";
import pg from "pg";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { createBenchProject } from "./lib/bench-project.ts";
import { requestJson } from "./lib/request-json.ts";

type Target = "codepark-pglite" | "codepark-postgres" | "fastify-hello";

function numberFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

const durationS = numberFromEnv("BENCH_DURATION", 10, 1);
const connections = Math.floor(numberFromEnv("BENCH_CONNECTIONS", 50, 1));
const warmupS = numberFromEnv("BENCH_WARMUP", 1, 0);
const workers = Math.floor(numberFromEnv("BENCH_WORKERS", 1, 0));
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const cacheTtlSeconds = Math.floor(numberFromEnv("CACHE_TTL_SECONDS", 60, 0));

const note =
  `server, load generator${adminUrl ? " and PostgreSQL" : ""} share ${availableParallelism()} cores; ` +
  (workers > 0
    ? `autocannon runs in ${workers} worker thread(s) of the server process`
    : "autocannon runs on the server's own event loop (same process, same thread)") +
  `; ${warmupS}s unrecorded warm-up before each run`;

interface LoadTarget {
  url: string;
  headers?: Record<string, string>;
}

function runAutocannon(target: LoadTarget, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    headers: target.headers ?? {},
    connections,
    duration: seconds,
    workers: workers > 0 ? workers : undefined,
  });
}

interface CacheCounts {
  hits: number;
  misses: number;
}

/** `cache_requests_total` summed over the key families, from a CodePark node's /metrics. */
async function cacheCounts(baseUrl: string): Promise<CacheCounts> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const counts = { hits: 0, misses: 0 };
  for (const match of text.matchAll(/^cache_requests_total\{[^}]*result="(hit|miss)"[^}]*\} (\d+)$/gm))
    counts[match[1] === "hit" ? "hits" : "misses"] += Number(match[2]);
  return counts;
}

/**
 * Warm-up (discarded), then the measured run. Any non-2xx or socket error is a bench failure.
 * Given a CodePark node's base URL, the line also reports its cache over the measured run.
 */
async function measure(name: Target, target: LoadTarget, codeparkUrl?: string): Promise<number> {
  if (warmupS > 0) assertClean(name, "warm-up", await runAutocannon(target, warmupS));
  const before = codeparkUrl ? await cacheCounts(codeparkUrl) : undefined;
  const result = await runAutocannon(target, durationS);
  assertClean(name, "run", result);
  let cache: Record<string, number | null> | undefined;
  if (codeparkUrl && before) {
    const after = await cacheCounts(codeparkUrl);
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    const lookups = hits + misses;
    cache = { ttlSeconds: cacheTtlSeconds, hits, misses, hitRate: lookups ? round(hits / lookups, 4) : null };
  }
  const line = {
    bench: "http",
    target: name,
    requestsPerSec: round(result.requests.average, 1),
    latencyP50Ms: round(result.latency.p50, 2),
    latencyP99Ms: round(result.latency.p99, 2),
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: round(result.duration, 2),
    connections: result.connections,
    ...(cache ? { cache } : {}),
    note,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return result.requests.average;
}

function assertClean(name: Target, phase: string, result: autocannon.Result): void {
  if (result.non2xx === 0 && result.errors === 0 && result.requests.total > 0) return;
  throw new Error(
    `${name} ${phase}: ${result.requests.total} requests, ${result.non2xx} non-2xx, ` +
      `${result.errors} errors (${result.timeouts} timeouts), status codes ${JSON.stringify(result.statusCodeStats)}`,
  );
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function baseUrlOf(http: FastifyInstance): string {
  const address = http.server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP port");
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Boots CodePark (in a temporary DATA_DIR, removed afterwards), registers a user, creates a
 * project, checks the route once, then loads it.
 */
async function benchCodePark(name: Target, env: Record<string, string> = {}): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-"));
  try {
    const app = await createApp(
      loadConfig({
        LOG_LEVEL: "silent",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        ACCESS_TOKEN_TTL_SECONDS: "3600",
        CACHE_TTL_SECONDS: String(cacheTtlSeconds),
        ...env,
      }),
    );
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const base = baseUrlOf(app.http);
      const api = `${base}/api/v1`;
      const { token, projectId } = await createBenchProject(api, {
        name: "bench project",
        description: "autocannon target",
      });
      const project = { id: projectId };
      const url = `${api}/projects/${project.id}`;
      const fetched = await requestJson<{ id: string }>(url, { token }, 200);
      if (fetched.id !== project.id) throw new Error(`GET ${url} returned project ${fetched.id}`);
      return await measure(name, { url, headers: { authorization: `Bearer ${token}` } }, base);
    } finally {
      await app.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** One statement on a short-lived admin connection (nothing held open while the load runs). */
async function adminQuery(admin: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A throwaway database created from the admin URL, dropped afterwards (even on failure). */
async function benchPostgres(admin: string): Promise<number> {
  const name = `cp_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  try {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return await benchCodePark("codepark-postgres", { DATABASE_URL: url.toString() });
  } finally {
    await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function benchHello(): Promise<number> {
  const http = fastify();
  http.get("/", async () => ({ hello: "world" }));
  try {
    await http.listen({ host: "127.0.0.1", port: 0 });
    return await measure("fastify-hello", { url: `${baseUrlOf(http)}/` });
  } finally {
    await http.close();
  }
}

async function main(): Promise<void> {
  const codepark: Record<string, number> = {};
  codepark.pglite = await benchCodePark("codepark-pglite");
  if (adminUrl) codepark.postgres = await benchPostgres(adminUrl);
  const hello = await benchHello();
  const ratio = Object.fromEntries(
    Object.entries(codepark).map(([store, rps]) => [store, round(rps / hello, 3)]),
  );
  process.stdout.write(`${JSON.stringify({ bench: "http", ratio })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/http failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
