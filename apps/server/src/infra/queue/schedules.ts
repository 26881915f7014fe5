import { CronExpressionParser } from "cron-parser";
import { sql } from "drizzle-orm";
import { enqueueJob } from "../../domain/jobs/enqueue.ts";
import type { Schedule } from "../../domain/jobs/job-type.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import type { Db } from "../../domain/ports/database.ts";
import { rowsOf } from "../db/rows.ts";

export function nextRun(cron: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: "UTC" }).next().toDate();
}

/**
 * Recurring jobs. Every node ticks; a due schedule row is locked (SKIP LOCKED) by one of them,
 * which enqueues the run and moves next_run_at on, in one transaction: one run per slot, cluster-wide.
 */
export class Scheduler {
  readonly #byName: Map<string, Schedule>;
  #lastTick = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    schedules: Schedule[],
    private readonly minTickMs = 1000,
  ) {
    for (const schedule of schedules) nextRun(schedule.cron, new Date()); // a bad expression fails at start
    this.#byName = new Map(schedules.map((schedule) => [schedule.name, schedule]));
  }

  /** Creates missing rows; a changed cron expression reschedules from now. */
  async register(): Promise<void> {
    const now = this.clock.now();
    for (const schedule of this.#byName.values()) {
      await this.db.execute(sql`
        INSERT INTO job_schedules (name, cron, next_run_at) VALUES
          (${schedule.name}, ${schedule.cron}, ${nextRun(schedule.cron, now)})
        ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, next_run_at = excluded.next_run_at
        WHERE job_schedules.cron <> excluded.cron`);
    }
  }

  /**
   * When tick() next has something to do: the earliest slot after now, or when the once-per-minTickMs
   * limit lets it look again if that is later. (A slot this node has not yet enqueued, because it
   * was down, is in the past: the next tick after a start finds it.)
   */
  nextDue(): Date {
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const schedule of this.#byName.values())
      next = Math.min(next, nextRun(schedule.cron, now).getTime());
    const allowed = now.getTime() + (this.#lastTick + this.minTickMs - Date.now());
    return new Date(Math.max(next, allowed));
  }

  /** Enqueues every due run; cheap to call often (at most one query per minTickMs). */
  async tick(): Promise<number> {
    const wallNow = Date.now();
    if (wallNow - this.#lastTick < this.minTickMs) return 0;
    this.#lastTick = wallNow;
    if (this.#byName.size === 0) return 0;
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const due = rowsOf<{ name: string }>(
        await tx.execute(sql`
          SELECT name FROM job_schedules WHERE next_run_at <= ${now} FOR UPDATE SKIP LOCKED`),
      );
      let enqueued = 0;
      for (const { name } of due) {
        const schedule = this.#byName.get(name);
        if (!schedule) continue; // another version of the server knows this schedule
        await enqueueJob(tx, this.clock, schedule.type, schedule.payload);
        await tx.execute(sql`
          UPDATE job_schedules SET last_run_at = ${now}, next_run_at = ${nextRun(schedule.cron, now)}
          WHERE name = ${name}`);
        enqueued++;
      }
      return enqueued;
    });
  }
}
