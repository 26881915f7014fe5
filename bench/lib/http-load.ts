/**
 * HTTP load with autocannon, as bench/http.ts and bench/cluster.ts generate it: the knobs they
 * share (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_WARMUP, BENCH_WORKERS), the authenticated
 * `GET /api/v1/projects/:id` target, and the check that a run saw nothing but 2xx.
 */
import autocannon from "autocannon";
import { createBenchProject } from "./bench-project.ts";
import { benchQuick, numberFromEnv } from "./env.ts";
import { requestJson } from "./request-json.ts";
import { round } from "./stats.ts";

export interface HttpLoad {
  /** Measured seconds per run. */
  durationS: number;
  connections: number;
  /** Seconds of unrecorded load before each measured run. */
  warmupS: number;
  /** autocannon worker threads; 0 generates the load on this process's own event loop. */
  workers: number;
}

/**
 * BENCH_DURATION (seconds, default 10; 3 with BENCH_QUICK=1), BENCH_CONNECTIONS (default 50),
 * BENCH_WARMUP (seconds, default 1; at most 1 quick), BENCH_WORKERS (autocannon worker threads,
 * default 1); a bench may change the defaults.
 */
export function httpLoadFromEnv(defaults: Partial<HttpLoad> = {}): HttpLoad {
  const quick = benchQuick();
  const durationS = quick ? 3 : (defaults.durationS ?? 10);
  const warmupS = quick ? Math.min(1, defaults.warmupS ?? 1) : (defaults.warmupS ?? 1);
  return {
    durationS: numberFromEnv("BENCH_DURATION", durationS, 1),
    connections: Math.floor(numberFromEnv("BENCH_CONNECTIONS", defaults.connections ?? 50, 1)),
    warmupS: numberFromEnv("BENCH_WARMUP", warmupS, 0),
    workers: Math.floor(numberFromEnv("BENCH_WORKERS", defaults.workers ?? 1, 0)),
  };
}

export interface LoadTarget {
  url: string;
  method?: "GET" | "PATCH" | "POST" | "PUT" | "DELETE";
  headers?: Record<string, string>;
  /** Sent with every request; each `[<id>]` in it becomes a fresh random id (autocannon's idReplacement). */
  body?: string;
}

export function runAutocannon(
  target: LoadTarget,
  seconds: number,
  load: HttpLoad,
): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    method: target.method ?? "GET",
    headers: target.headers ?? {},
    ...(target.body !== undefined
      ? { body: target.body, idReplacement: target.body.includes("[<id>]") }
      : {}),
    connections: load.connections,
    duration: seconds,
    workers: load.workers > 0 ? load.workers : undefined,
  });
}

/** Any non-2xx or socket error (or no request at all) is a bench failure. */
export function assertClean(name: string, phase: string, result: autocannon.Result): void {
  if (result.non2xx === 0 && result.errors === 0 && result.requests.total > 0) return;
  throw new Error(
    `${name} ${phase}: ${result.requests.total} requests, ${result.non2xx} non-2xx, ` +
      `${result.errors} errors (${result.timeouts} timeouts), status codes ${JSON.stringify(result.statusCodeStats)}`,
  );
}

/** The figures every HTTP result line carries. */
export function resultFigures(result: autocannon.Result): Record<string, number> {
  return {
    requestsPerSec: round(result.requests.average, 1),
    latencyP50Ms: round(result.latency.p50, 2),
    latencyP99Ms: round(result.latency.p99, 2),
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: round(result.duration, 2),
    connections: result.connections,
  };
}

/**
 * Registers a fresh user on the server behind `api` (…/api/v1), creates a project, checks that
 * `GET /projects/:id` returns it once, and returns that request with the user's bearer token.
 */
export async function projectGetTarget(api: string, description: string): Promise<LoadTarget> {
  const { token, projectId } = await createBenchProject(api, { name: "bench project", description });
  const url = `${api}/projects/${projectId}`;
  const fetched = await requestJson<{ id: string }>(url, { token }, 200);
  if (fetched.id !== projectId) throw new Error(`GET ${url} returned project ${fetched.id}`);
  return { url, headers: { authorization: `Bearer ${token}` } };
}

/** cache_requests_total by cache and result, or undefined when the series is not exported at all. */
export function cacheCounters(metrics: string): Map<string, { hit: number; miss: number }> | undefined {
  if (!/^cache_requests_total[{ ]/m.test(metrics) && !/^# TYPE cache_requests_total /m.test(metrics)) {
    return undefined;
  }
  const counters = new Map<string, { hit: number; miss: number }>();
  for (const match of metrics.matchAll(/^cache_requests_total\{([^}]*)\}\s+(\S+)/gm)) {
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const result = labels.result;
    if (result !== "hit" && result !== "miss") continue;
    const cache = labels.cache ?? "";
    const entry = counters.get(cache) ?? { hit: 0, miss: 0 };
    entry[result] += Number(match[2]);
    counters.set(cache, entry);
  }
  return counters;
}

export function cacheHitRates(
  before: Map<string, { hit: number; miss: number }> | undefined,
  after: Map<string, { hit: number; miss: number }> | undefined,
): Record<string, unknown> {
  if (!before || !after) {
    return {
      hitRate: null,
      hitRateNote:
        "cache_requests_total is not in this build's /metrics (no access cache, so CACHE_TTL_SECONDS is ignored)",
    };
  }
  let hits = 0;
  let lookups = 0;
  const byCache: Record<string, number | null> = {};
  for (const [cache, counts] of after) {
    const hit = counts.hit - (before.get(cache)?.hit ?? 0);
    const miss = counts.miss - (before.get(cache)?.miss ?? 0);
    hits += hit;
    lookups += hit + miss;
    byCache[cache] = hit + miss > 0 ? round(hit / (hit + miss), 4) : null;
  }
  return {
    hitRate: lookups > 0 ? round(hits / lookups, 4) : null,
    cacheLookups: lookups,
    hitRateByCache: byCache,
    ...(lookups === 0 ? { hitRateNote: "no cache lookups during the measured run" } : {}),
  };
}
