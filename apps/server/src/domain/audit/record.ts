import type { RequestMeta } from "../actor.ts";
import { newId } from "../ids.ts";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/database.ts";
import { auditLog } from "./schema.ts";

export interface AuditEntry {
  /** Who acted; null for the system or an unknown caller (a failed sign-in). */
  actor: { userId: string } | null;
  action: string;
  target?: { type: string; id: string } | undefined;
  meta?: RequestMeta | undefined;
  details?: Record<string, unknown> | undefined;
}

/**
 * Appends to the audit log. Pass the transaction of the action it records, so the record exists
 * exactly when the action happened.
 */
export async function recordAudit(db: Executor, clock: Clock, entry: AuditEntry): Promise<void> {
  const now = clock.now();
  await db.insert(auditLog).values({
    id: newId("aud", now.getTime()),
    actorId: entry.actor?.userId ?? null,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ip: entry.meta?.ip ?? null,
    userAgent: entry.meta?.userAgent?.slice(0, 512) ?? null,
    details: entry.details ?? {},
    occurredAt: now,
  });
}
