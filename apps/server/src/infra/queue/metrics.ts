import { sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Db } from "../../domain/ports/database.ts";
import { rowsOf } from "../db/rows.ts";

export interface JobMetrics {
  duration: Histogram<"queue" | "name" | "outcome">;
  failures: Counter<"queue" | "name">;
}

/** Job duration and failures as they happen; queue depth by state read from the table at scrape. */
export function createJobMetrics(registry: Registry, db: Db): JobMetrics {
  new Gauge({
    name: "jobs_queue_depth",
    help: "Jobs in the queue table by queue and state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const result = await db.execute(
          sql`SELECT queue, state, count(*)::int AS count FROM jobs GROUP BY queue, state`,
        );
        for (const row of rowsOf<{ queue: string; state: string; count: number }>(result)) {
          this.set({ queue: row.queue, state: row.state }, Number(row.count));
        }
      } catch {
        // Storage down: /readyz reports it; the scrape still answers.
      }
    },
  });
  return {
    duration: new Histogram({
      name: "job_duration_seconds",
      help: "Time to run a job, by outcome (completed, retry, dead)",
      labelNames: ["queue", "name", "outcome"],
      buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 30],
      registers: [registry],
    }),
    failures: new Counter({
      name: "job_failures_total",
      help: "Job runs that failed (retried or dead)",
      labelNames: ["queue", "name"],
      registers: [registry],
    }),
  };
}
