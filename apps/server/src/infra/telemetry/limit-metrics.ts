import { Counter, type Registry } from "prom-client";

const NAME = "codepark_limit_rejections_total";

/**
 * The one counter of refusals by a limit, `limit` naming which: `connections`, `collab_messages`,
 * `socket_messages`, `document_bytes` (WebSocket doors), and the HTTP limiters' own names. Every
 * limiter asks for it here, so the first creates it and the rest share it.
 */
export function limitRejections(registry: Registry): Counter<"limit"> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Counter<"limit">;
  return new Counter({
    name: NAME,
    help: "Requests, connections and messages refused by a limit (limit: which one)",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
}
