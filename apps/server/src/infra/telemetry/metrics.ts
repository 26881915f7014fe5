import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { PARKED_SAMPLE_MS, sampleEventLoopDelay } from "./event-loop-delay.ts";

/** One registry per app instance (tests run several apps in one process). */
export function createMetrics() {
  const registry = new Registry();
  // Event-loop delay from a sampler an idle server can afford (event-loop-delay.ts), not prom-client's.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: PARKED_SAMPLE_MS });
  const stopSampling = sampleEventLoopDelay(registry);
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpDuration, stop: stopSampling };
}

export type Metrics = ReturnType<typeof createMetrics>;
