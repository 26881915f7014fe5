import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import * as Y from "yjs";
import { type Emit, transact } from "../events/outbox.ts";
import { recordFileEditors } from "../files/editors.ts";
import { summariseFile } from "../files/present.ts";
import { files } from "../files/schema.ts";
import type { Clock } from "../ports/clock.ts";
import type { Db, Executor, Tx } from "../ports/database.ts";
import type { EventBus } from "../ports/event-bus.ts";
import { applySafely } from "./apply.ts";
import { docSnapshots, docUpdates } from "./schema.ts";
import type { PendingUpdate, UpdateLog } from "./update-log.ts";

export interface StoredDocument {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** Bytes of snapshot + tail, the document's stored size. */
  bytes: number;
}

/** The text of a Yjs state, as files.content keeps it. */
export function textOf(state: Uint8Array): string {
  const doc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(doc, state);
    return doc.getText("content").toString();
  } finally {
    doc.destroy();
  }
}

/** A fresh document state holding `content`, for a new file. */
export function initialState(content: string): Uint8Array {
  const doc = new Y.Doc();
  try {
    if (content) doc.getText("content").insert(0, content);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/**
 * Persistence of collaborative documents: snapshot + append-only update log in the primary store.
 * Appends go through the UpdateLog (a group commit into doc_updates, or the embedded store's
 * journal); everything that reads doc_updates settles the log first.
 */
export class DocumentStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Where appends become durable. */
    readonly log: UpdateLog,
    /** Where file.updated goes once a compaction changed the materialised text. */
    private readonly events: EventBus,
  ) {}

  async createSnapshot(tx: Executor, fileId: string, content: string): Promise<void> {
    await tx
      .insert(docSnapshots)
      .values({ fileId, state: initialState(content), updatedAt: this.clock.now() })
      .onConflictDoNothing();
  }

  async load(fileId: string): Promise<StoredDocument> {
    await this.log.settle();
    const stored = await this.#readSnapshotAndLog(fileId);
    if (stored) {
      const bytes = stored.updates.reduce(
        (total, update) => total + update.byteLength,
        stored.state.byteLength,
      );
      return { snapshot: stored.state, updates: stored.updates, bytes };
    }
    // A file from before collaboration existed: seed its document from files.content, once.
    const [file] = await this.db.select({ content: files.content }).from(files).where(eq(files.id, fileId));
    if (!file) return { snapshot: null, updates: [], bytes: 0 };
    await this.createSnapshot(this.db, fileId, file.content);
    return this.load(fileId);
  }

  /**
   * The snapshot and the log entries not merged into it, as one consistent pair: under the shared
   * side of the document's compaction lock, so a compaction (here or on another node) cannot commit
   * between the two reads and leave an old snapshot without the entries it deleted.
   */
  async #readSnapshotAndLog(fileId: string): Promise<{ state: Uint8Array; updates: Uint8Array[] } | null> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(hashtext(${`doc:${fileId}`}))`);
      const [snapshot] = await tx
        .select({ state: docSnapshots.state })
        .from(docSnapshots)
        .where(eq(docSnapshots.fileId, fileId));
      if (!snapshot) return null;
      const rows = await tx
        .select({ update: docUpdates.update })
        .from(docUpdates)
        .where(eq(docUpdates.fileId, fileId))
        .orderBy(asc(docUpdates.seq));
      return { state: snapshot.state, updates: rows.map((row) => row.update) };
    });
  }

  /** Makes one group commit's updates durable (resolves before anything is broadcast). */
  append(pending: readonly PendingUpdate[]): Promise<void> {
    return this.log.append(pending);
  }

  /**
   * Merges the log into the snapshot under a per-document advisory lock (several nodes may hold
   * the document) and deletes exactly the merged entries. Reads from the store, not from memory,
   * so it is right whoever appended.
   * Also refreshes files.content/size, the materialised text REST lists read; when that text
   * changed, file.updated is emitted in the same transaction. That is the coalescing: one event per
   * compaction that changed the file, not one per keystroke.
   * `editors` (users whose live edits were applied since the last compaction) are recorded in
   * file_editors in the same transaction.
   * Returns the new text, or null when there was nothing to compact.
   */
  async compact(
    fileId: string,
    editors: readonly string[] = [],
  ): Promise<{ text: string; size: number; stateBytes: number } | null> {
    await this.log.settle();
    const deps = { db: this.db, clock: this.clock, events: this.events };
    return transact(deps, async (tx, emit) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`doc:${fileId}`}))`);
      const [snapshot] = await tx.select().from(docSnapshots).where(eq(docSnapshots.fileId, fileId));
      if (!snapshot) return null;
      await recordFileEditors(tx, fileId, editors, this.clock.now());
      const rows = await tx
        .select({ seq: docUpdates.seq, update: docUpdates.update })
        .from(docUpdates)
        .where(eq(docUpdates.fileId, fileId))
        .orderBy(asc(docUpdates.seq));
      if (rows.length === 0) return null;
      const doc = new Y.Doc({ gc: true });
      try {
        Y.applyUpdate(doc, snapshot.state);
        doc.transact(() => {
          // An entry Yjs cannot apply is dropped here rather than kept to fail every later load.
          for (const row of rows) applySafely(doc, row.update);
        });
        const compacted = { state: Y.encodeStateAsUpdate(doc), text: doc.getText("content").toString() };
        // One array parameter, however many entries were merged.
        const merged = sql`seq = ANY(${`{${rows.map((row) => row.seq).join(",")}}`}::bigint[])`;
        return await this.#writeCompacted(tx, emit, fileId, compacted, merged);
      } finally {
        doc.destroy();
      }
    });
  }

  /**
   * Compaction from the document in memory, for a node that is the only writer of its documents
   * (no other node shares them) and that appends nothing while this runs: then the live document
   * holds every log entry (each was applied once durable, or at load), so its state replaces the
   * snapshot and all the entries without decoding or merging any of them. The manager guarantees
   * both conditions; anyone else uses compact().
   */
  async compactFromMemory(
    fileId: string,
    live: { state: Uint8Array; text: string },
    editors: readonly string[] = [],
  ): Promise<{ text: string; size: number; stateBytes: number } | null> {
    const deps = { db: this.db, clock: this.clock, events: this.events };
    const result = await transact(deps, async (tx, emit) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`doc:${fileId}`}))`);
      await recordFileEditors(tx, fileId, editors, this.clock.now());
      return this.#writeCompacted(tx, emit, fileId, live, sql`true`);
    });
    // Whatever the log still holds of this file in front of the table is in the snapshot now.
    this.log.compacted(fileId);
    return result;
  }

  /**
   * The new snapshot, the merged entries deleted, and files.content/size refreshed; file.updated
   * when the text changed (compared in the database: the old text never travels here).
   */
  async #writeCompacted(
    tx: Tx,
    emit: Emit,
    fileId: string,
    compacted: { state: Uint8Array; text: string },
    mergedEntries: SQL,
  ): Promise<{ text: string; size: number; stateBytes: number } | null> {
    const now = this.clock.now();
    const updated = await tx
      .update(docSnapshots)
      .set({ state: compacted.state, updatedAt: now })
      .where(eq(docSnapshots.fileId, fileId))
      .returning({ fileId: docSnapshots.fileId });
    if (updated.length === 0) return null;
    await tx.execute(sql`DELETE FROM doc_updates WHERE file_id = ${fileId} AND ${mergedEntries}`);
    const { text } = compacted;
    const size = Buffer.byteLength(text, "utf8");
    const [row] = await tx
      .update(files)
      .set({ content: text, size, updatedAt: now })
      .where(and(eq(files.id, fileId), sql`${files.content} IS DISTINCT FROM ${text}`))
      .returning({
        id: files.id,
        projectId: files.projectId,
        path: files.path,
        language: files.language,
        size: files.size,
        createdAt: files.createdAt,
        updatedAt: files.updatedAt,
      });
    if (row) {
      const summary = summariseFile(row);
      emit({ type: "file.updated", actorId: null, data: { projectId: summary.projectId, file: summary } });
    }
    return { text, size, stateBytes: compacted.state.byteLength };
  }

  /** Which of these files have log entries not yet compacted (their materialised size is behind). */
  async withTail(fileIds: readonly string[]): Promise<Set<string>> {
    if (fileIds.length === 0) return new Set();
    await this.log.settle();
    const rows = await this.db
      .selectDistinct({ fileId: docUpdates.fileId })
      .from(docUpdates)
      .where(inArray(docUpdates.fileId, [...fileIds]));
    return new Set(rows.map((row) => row.fileId));
  }

  /**
   * The stored size (snapshot + log entries) without loading the document: what opening it would
   * bring into memory. Edits still in the embedded journal (about a second's worth) are not counted.
   */
  async storedBytes(fileId: string): Promise<number> {
    const [snapshot] = await this.db
      .select({ bytes: sql<number>`octet_length(${docSnapshots.state})`.mapWith(Number) })
      .from(docSnapshots)
      .where(eq(docSnapshots.fileId, fileId));
    const [log] = await this.db
      .select({ bytes: sql<number>`coalesce(sum(octet_length(${docUpdates.update})), 0)`.mapWith(Number) })
      .from(docUpdates)
      .where(eq(docUpdates.fileId, fileId));
    return (snapshot?.bytes ?? 0) + (log?.bytes ?? 0);
  }

  /** Whether the log holds entries not yet compacted (the materialised files.content is then behind). */
  async hasTail(fileId: string): Promise<boolean> {
    await this.log.settle();
    const [row] = await this.db
      .select({ seq: docUpdates.seq })
      .from(docUpdates)
      .where(eq(docUpdates.fileId, fileId))
      .limit(1);
    return row !== undefined;
  }
}
