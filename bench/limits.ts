/**
 * What the request limiter costs (docs/security.md): per check in isolation, and end to end as the
 * throughput of an authenticated `GET /api/v1/projects/:id` with limits off and on.
 *
 * 1. `createRequestLimiter` (the code the HTTP layer runs) checked back to back for 1,000 rotating
 *    accounts: in-process counters, and Redis counters when BENCH_REDIS_URL is set. Reports wall and
 *    CPU µs per check.
 * 2. CodePark (PGlite, in-process counters) under autocannon with RATE_LIMIT_ENABLED false, then
 *    true with quotas too large to refuse anything (every request is still counted); with
 *    BENCH_DATABASE_URL and BENCH_REDIS_URL also PostgreSQL + Redis counters.
 * The share is the limiter's CPU per check over the event-loop time one request takes with limits
 * off (1 / req/s): what fraction of a request the limiter adds.
 *
 * Env: BENCH_CHECKS (default 50000), BENCH_REDIS_URL, BENCH_DATABASE_URL, and bench/lib/http-load's
 * BENCH_DURATION / BENCH_CONNECTIONS / BENCH_WARMUP / BENCH_WORKERS. BENCH_QUICK=1: 10,000 checks,
 * 3 s runs after a 1 s warm-up, in-process counters only (no Redis / PostgreSQL part).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import { createApp } from "../apps/server/src/app.ts";
import { loadConfig } from "../apps/server/src/config.ts";
import type { TierTable } from "../apps/server/src/domain/limits/tiers.ts";
import type { RateLimits } from "../apps/server/src/domain/ports/rate-limits.ts";
import { memoryRateLimits, redisRateLimits } from "../apps/server/src/infra/limits/rate-limits.ts";
import { createRequestLimiter } from "../apps/server/src/transport/http/rate-limit.ts";
import { numberFromEnv, quick } from "./lib/env.ts";
import {
  assertClean,
  httpLoadFromEnv,
  projectGetTarget,
  resultFigures,
  runAutocannon,
} from "./lib/http-load.ts";
import { round } from "./lib/stats.ts";
import { withThrowawayDatabase } from "./lib/throwaway-postgres.ts";

const checks = Math.floor(numberFromEnv("BENCH_CHECKS", quick ? 10_000 : 50_000, 100));
const redisUrl = process.env.BENCH_REDIS_URL || undefined;
const adminUrl = process.env.BENCH_DATABASE_URL || undefined;
const load = httpLoadFromEnv(quick ? { durationS: 3, warmupS: 1 } : {});

/** Quotas no bench reaches: every request is counted, none refused. */
const HUGE = "1000000000/min burst 1000000000 connections 1000000";
const hugeTier = { perMinute: 1e9, burst: 1e9, connections: 1e6 };
const hugeTiers: TierTable = {
  anonymous: hugeTier,
  free: hugeTier,
  pro: hugeTier,
  enterprise: hugeTier,
  api_key: hugeTier,
};

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: "limits", ...line })}\n`);
}

/** Back-to-back checks of the HTTP limiter over `limits`. */
async function checkCost(store: string, limits: RateLimits) {
  const limiter = createRequestLimiter(limits, hugeTiers, () => {
    throw new Error("the bench's quotas should never refuse");
  });
  const reply = { header: () => reply } as unknown as FastifyReply;
  const request = { ip: "127.0.0.1" } as FastifyRequest;
  const actors = Array.from({ length: 1_000 }, (_, i) => ({
    kind: "session" as const,
    userId: `usr_${i}`,
    role: "user" as const,
    plan: "free" as const,
    sessionId: `ses_${i}`,
  }));
  for (let i = 0; i < 1_000; i++) await limiter.check(request, reply, actors[i % actors.length]);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < checks; i++) await limiter.check(request, reply, actors[i % actors.length]);
  const wallUs = ((performance.now() - started) * 1000) / checks;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / checks;
  print({ part: "check", store, checks, wallUsPerCheck: round(wallUs, 2), cpuUsPerCheck: round(cpuUs, 2) });
  return cpuUs;
}

/** Authenticated GETs per second against CodePark with the given settings. */
async function throughput(name: string, env: Record<string, string>): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), "codepark-bench-limits-"));
  try {
    const app = await createApp(
      loadConfig({
        LOG_LEVEL: "silent",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        ACCESS_TOKEN_TTL_SECONDS: "3600",
        HTTP_MAX_CONNECTIONS_PER_IP: "0",
        RATE_LIMIT_ANONYMOUS: HUGE,
        RATE_LIMIT_FREE: HUGE,
        ...env,
      }),
    );
    try {
      await app.http.listen({ host: "127.0.0.1", port: 0 });
      const address = app.http.server.address();
      if (!address || typeof address === "string") throw new Error("no port");
      const target = await projectGetTarget(`http://127.0.0.1:${address.port}/api/v1`, name);
      if (load.warmupS > 0) assertClean(name, "warm-up", await runAutocannon(target, load.warmupS, load));
      const result = await runAutocannon(target, load.durationS, load);
      assertClean(name, "run", result);
      print({ part: "http", target: name, ...resultFigures(result) });
      return result.requests.average;
    } finally {
      await app.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function share(store: string, checkCpuUs: number, rpsOff: number, rpsOn: number): void {
  const requestUs = 1e6 / rpsOff;
  print({
    part: "share",
    store,
    checkCpuUs: round(checkCpuUs, 2),
    requestUsLimitsOff: round(requestUs, 1),
    shareOfRequest: round(checkCpuUs / requestUs, 3),
    throughputOnOverOff: round(rpsOn / rpsOff, 3),
  });
}

async function main(): Promise<void> {
  const memoryCost = await checkCost("memory", memoryRateLimits());
  const off = await throughput("codepark-pglite-limits-off", { RATE_LIMIT_ENABLED: "false" });
  const on = await throughput("codepark-pglite-limits-memory", { RATE_LIMIT_ENABLED: "true" });
  share("memory", memoryCost, off, on);

  if (!redisUrl || quick) return;
  const prefix = `cp_bench_limits_${randomBytes(4).toString("hex")}:`;
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  try {
    const redisCost = await checkCost("redis", redisRateLimits(redis, prefix));
    if (!adminUrl) return;
    await withThrowawayDatabase(adminUrl, async (url) => {
      const env = { DATABASE_URL: url, REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
      const clusterOff = await throughput("codepark-postgres-limits-off", {
        ...env,
        RATE_LIMIT_ENABLED: "false",
      });
      const clusterOn = await throughput("codepark-postgres-limits-redis", {
        ...env,
        RATE_LIMIT_ENABLED: "true",
      });
      share("redis", redisCost, clusterOff, clusterOn);
    });
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench/limits failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
