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
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import fastify, { type FastifyInstance } from "fastify";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import { numberFromEnv } from "./lib/env.ts";
import {
  assertClean,
  cacheCounters,
  cacheHitRates,
  httpLoadFromEnv,
  type LoadTarget,
  projectGetTarget,
  resultFigures,
  runAutocannon,
} from "./lib/http-load.ts";
import { round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

type Target = "codepark-pglite" | "codepark-postgres" | "fastify-hello";

const load = httpLoadFromEnv();
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const cacheTtlSeconds = Math.floor(numberFromEnv("CACHE_TTL_SECONDS", 60, 0));

const note =
  `server, load generator${adminUrl ? " and PostgreSQL" : ""} share ${availableParallelism()} cores; ` +
  (load.workers > 0
    ? `autocannon runs in ${load.workers} worker thread(s) of the server process`
    : "autocannon runs on the server's own event loop (same process, same thread)") +
  `; ${load.warmupS}s unrecorded warm-up before each run`;

/**
 * Warm-up (discarded), then the measured run. Any non-2xx or socket error is a bench failure.
 * Given a CodePark node's base URL, the line also reports its cache over the measured run.
 */
async function measure(name: Target, target: LoadTarget, codeparkUrl?: string): Promise<number> {
  if (load.warmupS > 0) assertClean(name, "warm-up", await runAutocannon(target, load.warmupS, load));
  const metrics = async () => cacheCounters(await (await fetch(`${codeparkUrl}/metrics`)).text());
  const before = codeparkUrl ? await metrics() : undefined;
  const result = await runAutocannon(target, load.durationS, load);
  assertClean(name, "run", result);
  const cache = codeparkUrl
    ? { ttlSeconds: cacheTtlSeconds, ...cacheHitRates(before, await metrics()) }
    : undefined;
  const line = { bench: "http", target: name, ...resultFigures(result), ...(cache ? { cache } : {}), note };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return result.requests.average;
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
        // The bench measures the server, not its limits (bench/limits.ts measures those).
        RATE_LIMIT_ENABLED: "false",
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
      const target = await projectGetTarget(`${base}/api/v1`, "autocannon target");
      return await measure(name, target, base);
    } finally {
      await app.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A throwaway database created from the admin URL, dropped afterwards (even on failure). */
function benchPostgres(admin: string): Promise<number> {
  return withThrowawayDatabase(admin, (url) => benchCodePark("codepark-postgres", { DATABASE_URL: url }));
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
