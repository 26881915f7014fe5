import { and, eq } from "drizzle-orm";
import { notify } from "../notifications/notify.ts";
import { buildArchive } from "./archive.ts";
import type { PrivacyDeps } from "./deps.ts";
import { issueDownloadLink } from "./exports.ts";
import { dataExports } from "./schema.ts";

/**
 * The `privacy.export` job: builds the archive, stores it in the primary store (any node can serve
 * it) and notifies the person (`export_ready`, in-app and by email as their preferences say) with a
 * download link. An export already built, or gone with its account, is left alone. A build that
 * throws is retried; after the last attempt the export is marked failed (the person can ask again).
 */
export async function runExport(
  ctx: PrivacyDeps,
  exportId: string,
  attempt: { last: boolean },
): Promise<void> {
  const [row] = await ctx.db
    .select({ userId: dataExports.userId, status: dataExports.status, requestedBy: dataExports.requestedBy })
    .from(dataExports)
    .where(eq(dataExports.id, exportId));
  if (row?.status !== "pending") return;
  let archive: Uint8Array;
  try {
    archive = await buildArchive(ctx, row.userId);
  } catch (error) {
    if (attempt.last) {
      await ctx.db.update(dataExports).set({ status: "failed" }).where(eq(dataExports.id, exportId));
    }
    throw error;
  }
  const now = ctx.clock.now();
  const committed: (() => void)[] = [];
  await ctx.db.transaction(async (tx) => {
    const [ready] = await tx
      .update(dataExports)
      .set({
        status: "ready",
        archive,
        size: archive.byteLength,
        readyAt: now,
        expiresAt: new Date(now.getTime() + ctx.privacy.exportRetentionMs),
      })
      .where(and(eq(dataExports.id, exportId), eq(dataExports.status, "pending")))
      .returning({
        id: dataExports.id,
        userId: dataExports.userId,
        status: dataExports.status,
        expiresAt: dataExports.expiresAt,
      });
    if (!ready) return;
    const link = await issueDownloadLink(ctx, tx, ready);
    await notify(
      tx,
      { clock: ctx.clock, hub: ctx.notifications, afterCommit: (work) => void committed.push(work) },
      {
        userId: ready.userId,
        kind: "export_ready",
        actorId: null,
        data: {
          exportId,
          size: archive.byteLength,
          requestedBy: row.requestedBy,
          downloadUrl: link.url,
          linkExpiresAt: link.expiresAt,
          expiresAt: ready.expiresAt!.toISOString(),
        },
        sourceEventId: null,
      },
    );
  });
  for (const work of committed) work();
}
