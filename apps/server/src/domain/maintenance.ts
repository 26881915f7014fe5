import { and, eq, lt, or } from "drizzle-orm";
import { sessions } from "./auth/schema.ts";
import { docUpdates } from "./collab/schema.ts";
import type { CollabService } from "./collab/service.ts";
import type { Schedule } from "./jobs/job-type.ts";
import { jobType, Priority } from "./jobs/job-type.ts";
import { jobs } from "./jobs/schema.ts";
import type { Clock } from "./ports/clock.ts";
import type { Db } from "./ports/database.ts";
import { accountTokens } from "./users/schema.ts";

const DAY_MS = 86_400_000;

const maintenance = <P>(name: string) =>
  jobType<P>({ name, queue: "maintenance", priority: Priority.background, maxAttempts: 3 });

export const purgeExpiredSessions = maintenance<Record<string, never>>("maintenance.purge-sessions");
export const purgeFinishedJobs = maintenance<Record<string, never>>("maintenance.purge-jobs");
export const compactIdleDocuments = maintenance<Record<string, never>>("maintenance.compact-documents");
export const purgeExpiredExports = maintenance<Record<string, never>>("maintenance.purge-exports");

/** The recurring housekeeping every CodePark cluster runs (UTC cron). */
export const maintenanceSchedules: Schedule[] = [
  { name: "purge-expired-sessions", cron: "17 * * * *", type: purgeExpiredSessions, payload: {} },
  { name: "purge-finished-jobs", cron: "23 * * * *", type: purgeFinishedJobs, payload: {} },
  { name: "compact-idle-documents", cron: "*/10 * * * *", type: compactIdleDocuments, payload: {} },
  { name: "purge-expired-exports", cron: "41 * * * *", type: purgeExpiredExports, payload: {} },
];

/**
 * Sessions (and, by cascade, their refresh tokens) a day past expiry or revocation, and the emailed
 * or one-time account tokens (reset, verification, OIDC codes) a day past expiry or use.
 */
export async function purgeSessions(db: Db, clock: Clock): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - DAY_MS);
  const purged = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, cutoff), lt(sessions.revokedAt, cutoff)))
    .returning({ id: sessions.id });
  const tokens = await db
    .delete(accountTokens)
    .where(or(lt(accountTokens.expiresAt, cutoff), lt(accountTokens.usedAt, cutoff)))
    .returning({ tokenHash: accountTokens.tokenHash });
  return purged.length + tokens.length;
}

/** Completed jobs after a day; dead ones after 30 (long enough to look at and retry). */
export async function purgeJobs(db: Db, clock: Clock): Promise<number> {
  const now = clock.now().getTime();
  const purged = await db
    .delete(jobs)
    .where(
      or(
        and(eq(jobs.state, "completed"), lt(jobs.finishedAt, new Date(now - DAY_MS))),
        and(eq(jobs.state, "dead"), lt(jobs.finishedAt, new Date(now - 30 * DAY_MS))),
      ),
    )
    .returning({ id: jobs.id });
  return purged.length;
}

/** Documents whose log has entries older than ten minutes: merged so loads stay short. */
export async function compactDocuments(db: Db, clock: Clock, collab: CollabService): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - 10 * 60_000);
  const rows = await db
    .selectDistinct({ fileId: docUpdates.fileId })
    .from(docUpdates)
    .where(lt(docUpdates.createdAt, cutoff))
    .limit(100);
  for (const { fileId } of rows) await collab.store.compact(fileId);
  return rows.length;
}
