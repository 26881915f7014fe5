import { and, asc, eq, gt, inArray, lte, ne, or, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { CollabService } from "../collab/service.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { decodeTextCursor, encodeTextCursor, type Page, type PageRequest, toPage } from "../pagination.ts";
import type { Executor } from "../ports/database.ts";
import { isUniqueViolation } from "../ports/database.ts";
import { loadProjectFor, readProjectFor, readProjectsFor } from "../projects/access.ts";
import { recordFileEditors } from "./editors.ts";
import { detectLanguage } from "./language.ts";
import { normalisePath, parentFolders } from "./paths.ts";
import { type FileView, type FileWithContent, presentFile, summariseFile } from "./present.ts";
import { files } from "./schema.ts";

/** File content is read and written through the live documents, so editors and REST agree. */
export interface FileDeps extends EventDeps {
  collab: CollabService;
  limits: { maxFileBytes: number };
}

type FileRow = typeof files.$inferSelect;

function measure(ctx: FileDeps, content: string): number {
  const size = Buffer.byteLength(content, "utf8");
  if (size > ctx.limits.maxFileBytes) {
    throw new AppError(
      "file_too_large",
      `Files are limited to ${ctx.limits.maxFileBytes} bytes; this one has ${size}`,
    );
  }
  return size;
}

/** A path may not be a file and a folder at once: "a" conflicts with "a/b.ts" either way round. */
async function assertPathFree(
  tx: Executor,
  projectId: string,
  path: string,
  exceptFileId?: string,
): Promise<void> {
  const parents = parentFolders(path);
  const [clash] = await tx
    .select({ path: files.path })
    .from(files)
    .where(
      and(
        eq(files.projectId, projectId),
        exceptFileId ? ne(files.id, exceptFileId) : undefined,
        or(
          eq(files.path, path),
          sql`starts_with(${files.path}, ${`${path}/`})`,
          parents.length > 0 ? inArray(files.path, parents) : undefined,
        ),
      ),
    )
    .limit(1);
  if (clash) throw new AppError("path_taken", `'${path}' clashes with the existing '${clash.path}'`);
}

/** Unique-index races end as the same clear error as the up-front check. */
async function withPathGuard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("path_taken", "A file already uses this path");
    throw error;
  }
}

async function loadFile(db: Executor, projectId: string, fileId: string): Promise<FileRow> {
  const [row] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.projectId, projectId)));
  if (!row) throw new AppError("not_found", "File not found");
  return row;
}

export async function createFile(
  ctx: FileDeps,
  actor: Actor,
  projectId: string,
  input: { path: string; content?: string | undefined },
): Promise<FileView> {
  const path = normalisePath(input.path);
  const content = input.content ?? "";
  const size = measure(ctx, content);
  const row = await withPathGuard(() =>
    transact(ctx, async (tx, emit) => {
      await loadProjectFor(tx, actor, projectId, "files:write");
      await assertPathFree(tx, projectId, path);
      const now = ctx.clock.now();
      const [inserted] = await tx
        .insert(files)
        .values({
          id: newId("fil", now.getTime()),
          projectId,
          path,
          content,
          size,
          language: detectLanguage(path),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await ctx.collab.createDocument(tx, inserted!.id, content);
      if (content) await recordFileEditors(tx, inserted!.id, [actor.userId], now);
      emit({
        type: "file.created",
        actorId: actor.userId,
        data: { projectId, file: summariseFile(inserted!) },
      });
      return inserted!;
    }),
  );
  return presentFile(row);
}

/** Files ordered by path (a tree reads naturally); the cursor is the last path, opaque to clients. */
export async function listFiles(
  ctx: FileDeps,
  actor: Actor,
  projectId: string,
  page: PageRequest,
): Promise<Page<FileView>> {
  await readProjectFor(ctx, actor, projectId, "files:read");
  const after = page.cursor ? decodeTextCursor(page.cursor) : undefined;
  const rows = await ctx.db
    .select({
      id: files.id,
      projectId: files.projectId,
      path: files.path,
      size: files.size,
      language: files.language,
      createdAt: files.createdAt,
      updatedAt: files.updatedAt,
    })
    .from(files)
    .where(and(eq(files.projectId, projectId), after !== undefined ? gt(files.path, after) : undefined))
    .orderBy(asc(files.path))
    .limit(page.limit + 1);
  // The stored size trails live edits until the next compaction: report the live text's.
  const sizes = await ctx.collab.textSizes(rows.slice(0, page.limit));
  return toPage(
    rows,
    page.limit,
    (row) => presentFile({ ...row, size: sizes.get(row.id) ?? row.size }),
    (row) => encodeTextCursor(row.path),
  );
}

/**
 * The first page of files of many projects in three statements at most (GraphQL's batched loads):
 * the same policy, order and sizes as listFiles per project; an unreadable project maps to its error.
 */
export async function listFilesOfProjects(
  ctx: FileDeps,
  actor: Actor,
  projectIds: readonly string[],
  limit: number,
): Promise<Map<string, Page<FileView> | AppError>> {
  const access = await readProjectsFor(ctx, actor, projectIds, "files:read");
  const readable = projectIds.filter((projectId) => !(access.get(projectId) instanceof AppError));
  const result = new Map<string, Page<FileView> | AppError>();
  for (const [projectId, outcome] of access) if (outcome instanceof AppError) result.set(projectId, outcome);
  if (readable.length === 0) return result;
  const ranked = ctx.db
    .select({
      id: files.id,
      projectId: files.projectId,
      path: files.path,
      size: files.size,
      language: files.language,
      createdAt: files.createdAt,
      updatedAt: files.updatedAt,
      rank: sql<number>`row_number() over (partition by ${files.projectId} order by ${files.path})`.as(
        "rank",
      ),
    })
    .from(files)
    .where(inArray(files.projectId, readable))
    .as("ranked");
  const rows = await ctx.db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, limit + 1))
    .orderBy(asc(ranked.projectId), asc(ranked.path));
  const sizes = await ctx.collab.textSizes(rows.filter((row) => row.rank <= limit));
  for (const projectId of readable) {
    const own = rows.filter((row) => row.projectId === projectId);
    result.set(
      projectId,
      toPage(
        own,
        limit,
        ({ rank: _rank, ...row }) => presentFile({ ...row, size: sizes.get(row.id) ?? row.size }),
        (row) => encodeTextCursor(row.path),
      ),
    );
  }
  return result;
}

/** getFile by the file's id alone (GraphQL's `file(id)`): not_found when it is absent or its project unreadable. */
export async function getFileById(ctx: FileDeps, actor: Actor, fileId: string): Promise<FileWithContent> {
  const [row] = await ctx.db.select({ projectId: files.projectId }).from(files).where(eq(files.id, fileId));
  if (!row) throw new AppError("not_found", "File not found");
  return getFile(ctx, actor, row.projectId, fileId);
}

/** A file with its live text (what collaborators see right now). */
export async function getFile(
  ctx: FileDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
): Promise<FileWithContent> {
  await readProjectFor(ctx, actor, projectId, "files:read");
  const row = await loadFile(ctx.db, projectId, fileId);
  const content = await ctx.collab.readText(fileId, projectId, row.content);
  return { ...presentFile(row), size: Buffer.byteLength(content, "utf8"), content };
}

/**
 * Renames/moves and/or replaces content. New content goes through the live document (durable
 * update log, broadcast to connected editors) before the file row is touched.
 */
export async function updateFile(
  ctx: FileDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
  patch: { content?: string | undefined; path?: string | undefined },
): Promise<FileWithContent> {
  const path = patch.path !== undefined ? normalisePath(patch.path) : undefined;
  const size = patch.content !== undefined ? measure(ctx, patch.content) : undefined;
  const before = await ctx.db.transaction(async (tx) => {
    await loadProjectFor(tx, actor, projectId, "files:write");
    const current = await loadFile(tx, projectId, fileId);
    if (path !== undefined && path !== current.path) await assertPathFree(tx, projectId, path, fileId);
    return current;
  });
  const contentChanged =
    patch.content !== undefined && (await ctx.collab.writeText(fileId, projectId, patch.content));
  const renamed = path !== undefined && path !== before.path;
  // A rename announces the file with its live size (the stored one trails live edits).
  const liveSize =
    size ?? (renamed ? (await ctx.collab.textSizes([before])).get(fileId) : undefined) ?? before.size;
  const after = await withPathGuard(() =>
    transact(ctx, async (tx, emit) => {
      const [row] = await tx
        .update(files)
        .set({
          ...(renamed ? { path, language: detectLanguage(path) } : {}),
          ...(patch.content !== undefined ? { content: patch.content, size } : {}),
          updatedAt: ctx.clock.now(),
        })
        .where(and(eq(files.id, fileId), eq(files.projectId, projectId)))
        .returning();
      if (!row) throw new AppError("not_found", "File not found");
      const file = summariseFile({ ...row, size: liveSize });
      if (renamed)
        emit({
          type: "file.renamed",
          actorId: actor.userId,
          data: { projectId, file, previousPath: before.path },
        });
      if (contentChanged) {
        await recordFileEditors(tx, fileId, [actor.userId], row.updatedAt);
        emit({ type: "file.updated", actorId: actor.userId, data: { projectId, file } });
      }
      return row;
    }),
  );
  const content = patch.content ?? (await ctx.collab.readText(fileId, projectId, after.content));
  return { ...presentFile(after), size: Buffer.byteLength(content, "utf8"), content };
}

export async function deleteFile(
  ctx: FileDeps,
  actor: Actor,
  projectId: string,
  fileId: string,
): Promise<void> {
  await transact(ctx, async (tx, emit) => {
    await loadProjectFor(tx, actor, projectId, "files:write");
    const current = await loadFile(tx, projectId, fileId);
    await tx.delete(files).where(eq(files.id, fileId));
    emit({ type: "file.deleted", actorId: actor.userId, data: { projectId, fileId, path: current.path } });
  });
}
