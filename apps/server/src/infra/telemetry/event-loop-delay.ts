import { createHistogram } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

/**
 * How often the event loop's delay is sampled. Each sample wakes an idle server, and on small VMs a
 * wake-up of a process this size costs ~0.1–1.5 ms of CPU (more the busier the host): prom-client's
 * default of 10 ms alone cost an idle CodePark 8–9 ms of CPU per second. At 1 s, a stall longer than
 * a second is always seen (as at least its length minus 1 s); a shorter one is seen by a sample in
 * proportion to its length (a 100 ms stall one time in ten), so under load the percentiles still
 * describe how late timers ran, from fewer samples (one per second since the previous scrape).
 */
export const EVENT_LOOP_SAMPLE_MS = 1_000;

/**
 * prom-client's event-loop lag summary (nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds)
 * from this process's own sampler. prom-client's figures come from Node's monitorEventLoopDelay,
 * which records the time between two samples, so they include the sampling interval (10 ms when
 * idle), and after each scrape's reset it drops the next gap (a stall right after a scrape goes
 * unseen: at 1 s that matters). These are how late each sample's timer ran — 0 for an idle loop,
 * whatever the interval — with no gap at a scrape. Like prom-client, every scrape reports the
 * samples since the previous one.
 */
const DELAY_GAUGES = {
  min: ["nodejs_eventloop_lag_min_seconds", "The minimum recorded event loop delay."],
  max: ["nodejs_eventloop_lag_max_seconds", "The maximum recorded event loop delay."],
  mean: ["nodejs_eventloop_lag_mean_seconds", "The mean of the recorded event loop delays."],
  stddev: [
    "nodejs_eventloop_lag_stddev_seconds",
    "The standard deviation of the recorded event loop delays.",
  ],
  p50: ["nodejs_eventloop_lag_p50_seconds", "The 50th percentile of the recorded event loop delays."],
  p90: ["nodejs_eventloop_lag_p90_seconds", "The 90th percentile of the recorded event loop delays."],
  p99: ["nodejs_eventloop_lag_p99_seconds", "The 99th percentile of the recorded event loop delays."],
} as const;

/** prom-client's own sampler, which collectDefaultMetrics always starts: parked (it never wakes). */
export const PARKED_SAMPLE_MS = 2 ** 31 - 1;

/**
 * Replaces prom-client's event-loop delay figures in `registry` (registered by collectDefaultMetrics
 * with a parked sampler) by a timer every `sampleMs` recording how late it ran. Returns its stop.
 */
export function sampleEventLoopDelay(registry: Registry, sampleMs = EVENT_LOOP_SAMPLE_MS): () => void {
  const delays = createHistogram();
  let due = performance.now() + sampleMs;
  let timer: NodeJS.Timeout;
  const sample = () => {
    const now = performance.now();
    // In ns; a timer can run a fraction of a millisecond early (libuv's clock is in whole ms).
    delays.record(Math.max(1, Math.round((now - due) * 1e6)));
    due = now + sampleMs;
    timer = setTimeout(sample, sampleMs).unref();
  };
  timer = setTimeout(sample, sampleMs).unref();

  const seconds = (ns: number) => (ns <= 1 ? 0 : ns / 1e9);
  // All set from one read of the histogram when the first of them (min) is collected: prom-client
  // collects in registration order.
  const collect = () => {
    const none = delays.count === 0;
    gauges.min.set(none ? 0 : seconds(delays.min));
    gauges.max.set(none ? 0 : seconds(delays.max));
    gauges.mean.set(none ? 0 : seconds(delays.mean));
    gauges.stddev.set(none ? 0 : delays.stddev / 1e9);
    gauges.p50.set(none ? 0 : seconds(delays.percentile(50)));
    gauges.p90.set(none ? 0 : seconds(delays.percentile(90)));
    gauges.p99.set(none ? 0 : seconds(delays.percentile(99)));
    delays.reset();
  };
  const gauges = Object.fromEntries(
    Object.entries(DELAY_GAUGES).map(([key, [name, help]]) => {
      registry.removeSingleMetric(name);
      return [
        key,
        new Gauge({
          name,
          help: `${help} Sampled every ${sampleMs} ms: how late a timer ran, the interval not included.`,
          registers: [registry],
          ...(key === "min" ? { collect } : {}),
        }),
      ];
    }),
  ) as Record<keyof typeof DELAY_GAUGES, Gauge>;
  return () => clearTimeout(timer);
}
