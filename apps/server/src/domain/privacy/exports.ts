import type { DataExport } from "@codepark/protocol/api";
import { and, desc, eq, gt } from "drizzle-orm";
import type { Actor, RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import type { Executor } from "../ports/database.ts";
import { hashToken, newSecretToken } from "../tokens.ts";
import { accountTokens, users } from "../users/schema.ts";
import type { PrivacyDeps } from "./deps.ts";
import { buildExport } from "./jobs.ts";
import { dataExports } from "./schema.ts";

type ExportRow = typeof dataExports.$inferSelect;

/** A request while one is still being built answers that one, unless it has been stuck this long. */
const PENDING_REUSE_MS = 60 * 60_000;

function present(row: Omit<ExportRow, "archive">): DataExport {
  return {
    id: row.id,
    status: row.status,
    size: row.size,
    requestedBy: row.requestedBy,
    createdAt: row.createdAt.toISOString(),
    readyAt: row.readyAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

const listed = {
  id: dataExports.id,
  userId: dataExports.userId,
  requestedBy: dataExports.requestedBy,
  status: dataExports.status,
  size: dataExports.size,
  createdAt: dataExports.createdAt,
  readyAt: dataExports.readyAt,
  expiresAt: dataExports.expiresAt,
};

/**
 * Asks for an archive of everything about `userId` (the caller's own, or, for an admin, anyone's):
 * a `privacy.export` job builds it. The person is told when it is ready, also when an admin asked.
 */
export async function requestExport(
  ctx: PrivacyDeps,
  actor: Actor,
  userId: string,
  meta: RequestMeta,
): Promise<DataExport> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
    if (!user) throw new AppError("user_not_found");
    const [pending] = await tx
      .select(listed)
      .from(dataExports)
      .where(
        and(
          eq(dataExports.userId, userId),
          eq(dataExports.status, "pending"),
          gt(dataExports.createdAt, new Date(now.getTime() - PENDING_REUSE_MS)),
        ),
      )
      .limit(1);
    if (pending) return present(pending);
    const self = actor.userId === userId;
    const [row] = await tx
      .insert(dataExports)
      .values({
        id: newId("exp", now.getTime()),
        userId,
        requestedBy: self ? "self" : "admin",
        status: "pending",
        createdAt: now,
      })
      .returning(listed);
    await enqueueJob(tx, ctx.clock, buildExport, { exportId: row!.id });
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "privacy.export_requested",
      target: { type: "user", id: userId },
      meta,
      details: { exportId: row!.id, by: self ? "self" : "admin" },
    });
    return present(row!);
  });
}

/** An account's exports, newest first (at most a handful: they expire). */
export async function listExports(ctx: PrivacyDeps, userId: string): Promise<{ items: DataExport[] }> {
  const rows = await ctx.db
    .select(listed)
    .from(dataExports)
    .where(eq(dataExports.userId, userId))
    .orderBy(desc(dataExports.id))
    .limit(50);
  return { items: rows.map(present) };
}

/** Where a download link points: PUBLIC_URL when set, otherwise a path on this server. */
export function downloadUrl(ctx: PrivacyDeps, exportId: string, token: string): string {
  const path = `/api/v1/me/exports/${encodeURIComponent(exportId)}/download?token=${encodeURIComponent(token)}`;
  const base = ctx.notifications.links.publicUrl;
  return base ? `${base.replace(/\/+$/, "")}${path}` : path;
}

/**
 * Issues a download link for a ready export: an `export_download` account token (stored hashed)
 * that opens the person's ready archives for exportLinkTtlMs. Used by the ready notification and
 * by `POST …/exports/:id/link` (the person, or an admin for them).
 */
export async function issueDownloadLink(
  ctx: PrivacyDeps,
  tx: Executor,
  row: Pick<ExportRow, "id" | "userId" | "status" | "expiresAt">,
): Promise<{ url: string; expiresAt: string }> {
  const now = ctx.clock.now();
  if (row.status !== "ready" || !row.expiresAt || row.expiresAt <= now) {
    throw new AppError("export_not_ready", row.status === "ready" ? "This export has expired" : undefined);
  }
  const token = newSecretToken("cpx_");
  const expiresAt = new Date(Math.min(now.getTime() + ctx.privacy.exportLinkTtlMs, row.expiresAt.getTime()));
  await tx.insert(accountTokens).values({
    tokenHash: hashToken(token),
    userId: row.userId,
    purpose: "export_download",
    createdAt: now,
    expiresAt,
  });
  return { url: downloadUrl(ctx, row.id, token), expiresAt: expiresAt.toISOString() };
}

/** `POST …/exports/:id/link`: a fresh link for one of `userId`'s exports (the caller is authorized). */
export async function newDownloadLink(
  ctx: PrivacyDeps,
  actor: Actor,
  userId: string,
  exportId: string,
  meta: RequestMeta,
): Promise<{ url: string; expiresAt: string }> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select(listed)
      .from(dataExports)
      .where(and(eq(dataExports.id, exportId), eq(dataExports.userId, userId)));
    if (!row) throw new AppError("not_found", "Export not found");
    const link = await issueDownloadLink(ctx, tx, row);
    if (actor.userId !== userId) {
      await recordAudit(tx, ctx.clock, {
        actor,
        action: "privacy.export_link_issued",
        target: { type: "user", id: userId },
        meta,
        details: { exportId },
      });
    }
    return link;
  });
}

/**
 * `GET /me/exports/:id/download?token=`: the token is the credential. It works for any ready archive
 * of the person it was issued for, until it expires (not once only: a download that breaks off, or
 * a mail scanner that opens links first, must not use it up). Each download is audited.
 */
export async function openDownload(
  ctx: PrivacyDeps,
  exportId: string,
  token: string,
  meta: RequestMeta,
): Promise<{ archive: Uint8Array; filename: string }> {
  const now = ctx.clock.now();
  const [grant] = await ctx.db
    .select({ userId: accountTokens.userId })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.tokenHash, hashToken(token)),
        eq(accountTokens.purpose, "export_download"),
        gt(accountTokens.expiresAt, now),
      ),
    );
  const [row] = grant
    ? await ctx.db
        .select()
        .from(dataExports)
        .where(
          and(
            eq(dataExports.id, exportId),
            eq(dataExports.userId, grant.userId),
            eq(dataExports.status, "ready"),
            gt(dataExports.expiresAt, now),
          ),
        )
    : [];
  if (!row?.archive) throw new AppError("export_link_invalid");
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(accountTokens)
      .set({ usedAt: now })
      .where(eq(accountTokens.tokenHash, hashToken(token)));
    await recordAudit(tx, ctx.clock, {
      actor: null,
      action: "privacy.export_downloaded",
      target: { type: "user", id: row.userId },
      meta,
      details: { exportId },
    });
  });
  const day = row.createdAt.toISOString().slice(0, 10);
  return { archive: row.archive, filename: `codepark-export-${day}-${row.id}.zip` };
}
