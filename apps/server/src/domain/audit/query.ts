import { and, desc, eq, gte, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import { auditLog } from "./schema.ts";

export interface AuditFilter {
  /** Exact action names; any of them matches. */
  actions?: string[] | undefined;
  /** Inclusive. */
  since?: Date | undefined;
  /** Exclusive. */
  until?: Date | undefined;
  actorId?: string | undefined;
}

export interface AuditView {
  id: string;
  action: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  occurredAt: string;
}

type AuditRow = typeof auditLog.$inferSelect;

/** An audit row as the API (and the data export) shows it. */
export const presentAuditEntry = (row: AuditRow): AuditView => ({
  id: row.id,
  action: row.action,
  actorId: row.actorId,
  targetType: row.targetType,
  targetId: row.targetId,
  ip: row.ip,
  userAgent: row.userAgent,
  details: row.details,
  occurredAt: row.occurredAt.toISOString(),
});

/**
 * The smallest id an entry written at `at` can have: "aud_" and the id's time part. An id carries
 * the same instant as occurred_at (see recordAudit), so a time range is also a primary-key range.
 */
function idFloor(at: Date): string {
  return newId("aud", at.getTime()).slice(0, "aud_".length + 10);
}

/**
 * The audit log, newest first. Admins see every entry; anyone else only entries they made or that
 * were about their account (target user = them). Filters only ever narrow that.
 */
export async function listAudit(
  ctx: EventDeps,
  actor: Actor,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<AuditView>> {
  const all = actor.role === "admin";
  authorizeAccount(actor, all ? "audit:read-all" : "audit:read");
  const conditions: (SQL | undefined)[] = [
    all
      ? undefined
      : or(
          eq(auditLog.actorId, actor.userId),
          and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, actor.userId)),
        ),
    filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
    filter.actions?.length ? inArray(auditLog.action, filter.actions) : undefined,
    // The id bounds let the primary key serve the range; occurred_at states it exactly.
    filter.since ? gte(auditLog.id, idFloor(filter.since)) : undefined,
    filter.since ? gte(auditLog.occurredAt, filter.since) : undefined,
    filter.until ? lt(auditLog.id, idFloor(filter.until)) : undefined,
    filter.until ? lt(auditLog.occurredAt, filter.until) : undefined,
    page.cursor ? lt(auditLog.id, page.cursor) : undefined,
  ];
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, presentAuditEntry, (row) => row.id);
}
