import { Counter, type Registry } from "prom-client";

/**
 * `codepark_limit_rejections_total{limit}`: what every limit refused (http, login, connections, …).
 * Got-or-created per registry, so each door that enforces a limit counts into the same series.
 */
export function limitRejections(registry: Registry): Counter<"limit"> {
  const name = "codepark_limit_rejections_total";
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<"limit">;
  return new Counter({
    name,
    help: "Requests, attempts and connections refused by a limit, by limit",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
}
