import { Counter, type Registry } from "prom-client";
import type { LookupCounter } from "../cache/family.ts";

/** `cache_requests_total{cache,result}`: lookups per key family, hits and misses. */
export function createCacheMetrics(registry: Registry): { count: LookupCounter } {
  const requests = new Counter({
    name: "cache_requests_total",
    help: "Cache lookups by key family (session, user, api_key, project, member) and result (hit, miss)",
    labelNames: ["cache", "result"] as const,
    registers: [registry],
  });
  return { count: (family, hit) => requests.inc({ cache: family, result: hit ? "hit" : "miss" }) };
}
