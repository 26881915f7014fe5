import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Emit, transact } from "../events/outbox.ts";
import { recordFileEditors } from "../files/editors.ts";
import { summariseFile } from "../files/present.ts";
import { files } from "../files/schema.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import type { ProjectAction } from "../policy.ts";
import type { Tx } from "../ports/database.ts";
import { readProjectFor } from "../projects/access.ts";
import { users } from "../users/schema.ts";
import type { LiveDocument } from "./live-document.ts";
import { docVersions } from "./schema.ts";
import type { CollabService } from "./service.ts";

export interface VersionsDeps extends EventDeps {
  collab: CollabService;
}

export interface VersionView {
  id: string;
  fileId: string;
  name: string | null;
  kind: "auto" | "named" | "restore";
  size: number;
  createdBy: { id: string; name: string } | null;
  createdAt: string;
}

export interface VersionWithContent extends VersionView {
  content: string;
}

type VersionRow = typeof docVersions.$inferSelect & { authorName: string | null };

const present = (row: VersionRow): VersionView => ({
  id: row.id,
  fileId: row.fileId,
  name: row.name,
  kind: row.kind,
  size: row.size,
  createdBy: row.createdBy && row.authorName ? { id: row.createdBy, name: row.authorName } : null,
  createdAt: row.createdAt.toISOString(),
});

async function loadFileFor(
  ctx: VersionsDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  action: ProjectAction,
) {
  await readProjectFor(ctx, actor, projectId, action);
  const [file] = await ctx.db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.projectId, projectId)));
  if (!file) throw new AppError("not_found", "File not found");
  return file;
}

/** Inserts a version and records version.created, in the caller's transaction. */
async function writeVersion(
  tx: Tx,
  emit: Emit,
  now: Date,
  { projectId, fileId }: { projectId: string; fileId: string },
  content: string,
  kind: VersionView["kind"],
  name: string | null,
  createdBy: string | null,
): Promise<string> {
  const id = newId("ver", now.getTime());
  const size = Buffer.byteLength(content, "utf8");
  await tx.insert(docVersions).values({ id, fileId, name, kind, content, size, createdBy, createdAt: now });
  emit({
    type: "version.created",
    actorId: createdBy,
    data: { projectId, fileId, version: { id, fileId, name, kind, size, createdAt: now.toISOString() } },
  });
  return id;
}

function insertVersion(
  ctx: EventDeps,
  doc: { projectId: string; fileId: string },
  content: string,
  kind: VersionView["kind"],
  name: string | null,
  createdBy: string | null,
): Promise<string> {
  return transact(ctx, (tx, emit) =>
    writeVersion(tx, emit, ctx.clock.now(), doc, content, kind, name, createdBy),
  );
}

async function loadVersion(ctx: VersionsDeps, fileId: string, versionId: string): Promise<VersionRow> {
  const [row] = await ctx.db
    .select({ version: docVersions, authorName: users.name })
    .from(docVersions)
    .leftJoin(users, eq(users.id, docVersions.createdBy))
    .where(and(eq(docVersions.id, versionId), eq(docVersions.fileId, fileId)));
  if (!row) throw new AppError("not_found", "Version not found");
  return { ...row.version, authorName: row.authorName };
}

/** The automatic checkpoint the document manager takes every few minutes of activity and on unload. */
export function checkpointWith(ctx: EventDeps) {
  return async (doc: LiveDocument): Promise<void> => {
    await insertCheckpoint(ctx, doc, doc.text.toString());
  };
}

/**
 * Several nodes may hold the same document and reach its checkpoint time together: they take the
 * document's checkpoint lock one at a time, and a text the newest version already holds is not
 * stored again, so the same state is never checkpointed twice.
 */
async function insertCheckpoint(
  ctx: EventDeps,
  doc: { projectId: string; fileId: string },
  content: string,
): Promise<void> {
  await transact(ctx, async (tx, emit) => {
    // Serialises the nodes' checkpoints of this document: the second one sees the first's version.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`checkpoint:${doc.fileId}`}))`);
    const [newest] = await tx
      .select({ same: sql<boolean>`${docVersions.content} = ${content}` })
      .from(docVersions)
      .where(eq(docVersions.fileId, doc.fileId))
      .orderBy(desc(docVersions.id))
      .limit(1);
    if (newest?.same) return;
    await writeVersion(tx, emit, ctx.clock.now(), doc, content, "auto", null, null);
  });
}

export async function listVersions(
  ctx: VersionsDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  page: PageRequest,
): Promise<Page<VersionView>> {
  await loadFileFor(ctx, actor, projectId, fileId, "files:read");
  const rows = await ctx.db
    .select({ version: docVersions, authorName: users.name })
    .from(docVersions)
    .leftJoin(users, eq(users.id, docVersions.createdBy))
    .where(and(eq(docVersions.fileId, fileId), page.cursor ? lt(docVersions.id, page.cursor) : undefined))
    .orderBy(desc(docVersions.id))
    .limit(page.limit + 1);
  return toPage(
    rows.map((row) => ({ ...row.version, authorName: row.authorName })),
    page.limit,
    present,
    (row) => row.id,
  );
}

export async function getVersion(
  ctx: VersionsDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  versionId: string,
): Promise<VersionWithContent> {
  await loadFileFor(ctx, actor, projectId, fileId, "files:read");
  const row = await loadVersion(ctx, fileId, versionId);
  return { ...present(row), content: row.content };
}

/** Names the current state of a file. */
export async function createNamedVersion(
  ctx: VersionsDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  name: string,
): Promise<VersionWithContent> {
  const file = await loadFileFor(ctx, actor, projectId, fileId, "files:write");
  const content = await ctx.collab.readText(fileId, projectId, file.content);
  const id = await insertVersion(ctx, { projectId, fileId }, content, "named", name.trim(), actor.userId);
  const row = await loadVersion(ctx, fileId, id);
  return { ...present(row), content: row.content };
}

/**
 * Restores a version as a new update (live clients converge on it). The state before the restore
 * is saved first, so a restore can itself be undone.
 */
export async function restoreVersion(
  ctx: VersionsDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  versionId: string,
): Promise<VersionWithContent> {
  const file = await loadFileFor(ctx, actor, projectId, fileId, "files:write");
  const target = await loadVersion(ctx, fileId, versionId);
  const current = await ctx.collab.readText(fileId, projectId, file.content);
  const label = target.name ?? target.createdAt.toISOString();
  const savedVersionId = await insertVersion(
    ctx,
    { projectId, fileId },
    current,
    "restore",
    `Before restoring ${label}`,
    actor.userId,
  );
  const changed = await ctx.collab.writeText(fileId, projectId, target.content);
  await transact(ctx, async (tx, emit) => {
    const [row] = await tx
      .update(files)
      .set({ content: target.content, size: target.size, updatedAt: ctx.clock.now() })
      .where(eq(files.id, fileId))
      .returning();
    if (!row) return; // deleted meanwhile
    await recordFileEditors(tx, fileId, [actor.userId], row.updatedAt);
    emit({
      type: "version.restored",
      actorId: actor.userId,
      data: { projectId, fileId, versionId, savedVersionId },
    });
    if (changed) {
      emit({ type: "file.updated", actorId: actor.userId, data: { projectId, file: summariseFile(row) } });
    }
  });
  return { ...present(target), content: target.content };
}
