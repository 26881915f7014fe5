import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import * as Y from "yjs";
import { inMergeRuns } from "../../domain/collab/merge-runs.ts";
import type { PendingUpdate, UpdateLog } from "../../domain/collab/update-log.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import type { Database } from "../../domain/ports/database.ts";
import { rowsOf } from "../db/rows.ts";
import { APPEND_UPDATES_SQL, appendParams } from "./table-log.ts";

const SEGMENT_FILE = /^(\d{12})\.log$/;
const HEADER_BYTES = 6;

/**
 * Moves a batch into doc_updates and records, in the same statement (so atomically), that every
 * journal segment up to $4 is in the table: a crash between this commit and deleting those files
 * cannot replay them twice.
 */
const FLUSH_SQL = `
  WITH appended AS (${APPEND_UPDATES_SQL})
  INSERT INTO collab_journal (id, flushed_segment) VALUES (1, $4)
  ON CONFLICT (id) DO UPDATE SET flushed_segment = excluded.flushed_segment`;

/** Record: u32 LE length of what follows, u16 LE file-id length, file id (UTF-8), the update. */
export function encodeRecords(pending: readonly PendingUpdate[]): Buffer {
  let total = 0;
  for (const { fileId, update } of pending)
    total += HEADER_BYTES + Buffer.byteLength(fileId, "utf8") + update.byteLength;
  const buffer = Buffer.allocUnsafe(total);
  let at = 0;
  for (const { fileId, update } of pending) {
    const idLength = buffer.write(fileId, at + HEADER_BYTES, "utf8");
    buffer.writeUInt32LE(2 + idLength + update.byteLength, at);
    buffer.writeUInt16LE(idLength, at + 4);
    buffer.set(update, at + HEADER_BYTES + idLength);
    at += HEADER_BYTES + idLength + update.byteLength;
  }
  return buffer;
}

/** Every whole record; a torn tail (a write that never completed, so never acknowledged) is ignored. */
export function decodeRecords(buffer: Buffer): PendingUpdate[] {
  const records: PendingUpdate[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= buffer.length) {
    const length = buffer.readUInt32LE(at);
    const idLength = buffer.readUInt16LE(at + 4);
    const end = at + 4 + length;
    if (length < 2 + idLength || end > buffer.length) break;
    const fileId = buffer.toString("utf8", at + HEADER_BYTES, at + HEADER_BYTES + idLength);
    // A copy: the file's buffer is dropped once replayed.
    records.push({
      fileId,
      update: Uint8Array.prototype.slice.call(buffer, at + HEADER_BYTES + idLength, end),
    });
    at = end;
  }
  return records;
}

export interface JournalOptions {
  dir: string;
  /** How long an update may stay only in the journal before it is moved into doc_updates. */
  flushAfterMs: number;
  /** Move earlier once this many updates or bytes are waiting. */
  maxPendingUpdates?: number;
  maxPendingBytes?: number;
  onFlush?: (updates: number, seconds: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * The embedded store's update log with a write-ahead journal in front: an update is durable once it
 * is appended to a journal file in DATA_DIR (one write() per group commit, which survives kill -9 of
 * this process), and is moved into PGlite's doc_updates in batches, every `flushAfterMs` or sooner
 * when a reader needs the table. PGlite runs on the event loop and costs ~0.3 ms per commit, so
 * committing every keystroke there is the largest cost of a live edit; one commit per batch is not.
 * Startup replays what a crash left in the journal before any document loads.
 */
export class JournaledLog implements UpdateLog {
  readonly #database: Pick<Database, "execute" | "db">;
  readonly #clock: Clock;
  readonly #options: Required<Omit<JournalOptions, "onFlush" | "onError">> &
    Pick<JournalOptions, "onFlush" | "onError">;
  #fd: number;
  #segment: number;
  #size = 0;
  /** Segments whose records are all in `#pending` (or already in the table but not yet deleted). */
  #sealed: number[] = [];
  #pending: PendingUpdate[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #relieve: ((fileIds: readonly string[]) => Promise<void>) | null = null;
  #relieving = false;
  #closed = false;

  private constructor(
    database: Pick<Database, "execute" | "db">,
    clock: Clock,
    options: JournalOptions,
    segment: number,
  ) {
    this.#database = database;
    this.#clock = clock;
    // A move is synchronous (the Yjs merges, then one PGlite statement): these bound its stall
    // (20,000 updates over 200 documents held the loop ~650 ms).
    this.#options = { maxPendingUpdates: 2_000, maxPendingBytes: 4 * 1024 * 1024, ...options };
    this.#segment = segment;
    this.#fd = this.#openSegment(segment);
  }

  /** Replays what the last run left in the journal into doc_updates, then opens a fresh segment. */
  static async open(database: Pick<Database, "execute" | "db">, clock: Clock, options: JournalOptions) {
    mkdirSync(options.dir, { recursive: true });
    const flushed = await flushedSegment(database);
    const segments = listSegments(options.dir);
    const unflushed = segments.filter((segment) => segment > flushed);
    let last = Math.max(flushed, ...segments);
    if (unflushed.length > 0) {
      const records = unflushed.flatMap((segment) =>
        decodeRecords(readFileSync(join(options.dir, segmentName(segment)))),
      );
      await moveIntoTable(database, records, clock.now(), last);
    }
    for (const segment of segments) removeSegment(options.dir, segment);
    last += 1;
    return new JournaledLog(database, clock, options, last);
  }

  async append(pending: readonly PendingUpdate[]): Promise<void> {
    if (this.#closed) throw new Error("update journal is closed");
    if (pending.length === 0) return;
    const buffer = encodeRecords(pending);
    try {
      let written = 0;
      while (written < buffer.length) written += writeSync(this.#fd, buffer, written);
    } catch (error) {
      // Cut a partial write off so the file stays a sequence of whole records.
      try {
        ftruncateSync(this.#fd, this.#size);
      } catch {}
      throw error;
    }
    this.#size += buffer.length;
    for (const item of pending) {
      this.#pending.push(item);
      this.#pendingBytes += item.update.byteLength;
    }
    if (this.#overLimit()) this.#relieveThenMove(false);
    else if (!this.#flushing) this.#flushLater();
  }

  onBacklog(relieve: (fileIds: readonly string[]) => Promise<void>): void {
    this.#relieve = relieve;
  }

  #overLimit(): boolean {
    return (
      this.#pending.length >= this.#options.maxPendingUpdates ||
      this.#pendingBytes >= this.#options.maxPendingBytes
    );
  }

  /**
   * Asks for the files with pending updates to be compacted first (those whose live document is
   * due: their updates then leave the journal without a move), then moves what remains: always
   * when the interval came (`always`), else only if the backlog is still over its limits.
   */
  #relieveThenMove(always: boolean): void {
    if (this.#relieving || this.#flushing || this.#closed) return;
    const relieve = this.#relieve;
    if (!relieve) {
      void this.#flush().catch(() => {});
      return;
    }
    this.#relieving = true;
    const counts = new Map<string, number>();
    for (const { fileId } of this.#pending) counts.set(fileId, (counts.get(fileId) ?? 0) + 1);
    const fileIds = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
    void relieve(fileIds)
      .catch(() => {})
      .finally(() => {
        this.#relieving = false;
        if (this.#closed || this.#pending.length === 0) return;
        if (always || this.#overLimit()) void this.#flush().catch(() => {});
        else this.#flushLater();
      });
  }

  settle(): Promise<void> {
    if (this.#pending.length === 0 && !this.#flushing) return Promise.resolve();
    return this.#flush();
  }

  /**
   * The file's pending records are in its snapshot now: they are not moved. When nothing else is
   * pending, every record in the journal is in the table or a snapshot, so the segment is emptied.
   */
  compacted(fileId: string): void {
    if (this.#closed || !this.#pending.some((item) => item.fileId === fileId)) return;
    this.#pending = this.#pending.filter((item) => item.fileId !== fileId);
    this.#pendingBytes = this.#pending.reduce((total, item) => total + item.update.byteLength, 0);
    if (this.#pending.length > 0 || this.#flushing) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const segment of this.#sealed) removeSegment(this.#options.dir, segment);
    this.#sealed = [];
    ftruncateSync(this.#fd, 0);
    this.#size = 0;
  }

  /** Moves what is pending into the table; the journal files are removed once that succeeds. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.settle();
    } finally {
      this.#closed = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      closeSync(this.#fd);
      // Empty: nothing to replay. Otherwise (the flush failed) the next start replays it.
      if (this.#size === 0) removeSegment(this.#options.dir, this.#segment);
    }
  }

  #flush(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#pending.length > 0) await this.#flushOnce();
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    // Appends from here on go to a new segment; the sealed ones hold exactly `batch`.
    if (this.#size > 0 && !this.#closed) {
      closeSync(this.#fd);
      this.#sealed.push(this.#segment);
      this.#segment += 1;
      this.#fd = this.#openSegment(this.#segment);
      this.#size = 0;
    }
    const through = this.#sealed.at(-1) ?? this.#segment - 1;
    const started = performance.now();
    try {
      await moveIntoTable(this.#database, batch, this.#clock.now(), through);
    } catch (error) {
      // Still in the journal: kept pending and retried, nothing lost.
      this.#pending = batch.concat(this.#pending);
      this.#pendingBytes += batch.reduce((total, item) => total + item.update.byteLength, 0);
      this.#options.onError?.(error);
      if (!this.#closed) this.#flushLater();
      throw error;
    }
    this.#options.onFlush?.(batch.length, (performance.now() - started) / 1000);
    for (const segment of this.#sealed) removeSegment(this.#options.dir, segment);
    this.#sealed = [];
  }

  /** A flush after the interval, unless one is already timed (a failed flush retries the same way). */
  #flushLater(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#relieveThenMove(true);
    }, this.#options.flushAfterMs);
  }

  #openSegment(segment: number): number {
    return openSync(join(this.#options.dir, segmentName(segment)), "a");
  }
}

/**
 * A document's updates in a flush become one log entry per run of them (see
 * domain/collab/merge-runs.ts), those updates merged (Yjs merges without loading the document). A
 * hundred keystrokes cost one row to write, read back and delete instead of a hundred.
 */
export function mergePerDocument(batch: readonly PendingUpdate[]): PendingUpdate[] {
  const byFile = new Map<string, Uint8Array[]>();
  for (const { fileId, update } of batch) {
    const updates = byFile.get(fileId);
    if (updates) updates.push(update);
    else byFile.set(fileId, [update]);
  }
  const merged: PendingUpdate[] = [];
  for (const [fileId, updates] of byFile) {
    for (const run of inMergeRuns(updates)) {
      if (run.length === 1) {
        merged.push({ fileId, update: run[0]! });
        continue;
      }
      try {
        merged.push({ fileId, update: Y.mergeUpdates(run) });
      } catch {
        // Every update was decoded before it was accepted, so this should not happen; if it does,
        // the entries are kept as they came.
        for (const update of run) merged.push({ fileId, update });
      }
    }
  }
  return merged;
}

/** Journaled updates into doc_updates, merged per document, marking segments up to `through` done. */
function moveIntoTable(
  database: Pick<Database, "execute">,
  records: readonly PendingUpdate[],
  now: Date,
  through: number,
): Promise<void> {
  return database.execute(
    FLUSH_SQL,
    [...appendParams(mergePerDocument(records), now), through],
    "collab_journal_flush",
  );
}

/** Gone already is fine: removal only ever follows a commit that made the file redundant. */
function removeSegment(dir: string, segment: number): void {
  rmSync(join(dir, segmentName(segment)), { force: true });
}

function segmentName(segment: number): string {
  return `${String(segment).padStart(12, "0")}.log`;
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function flushedSegment(database: Pick<Database, "db">): Promise<number> {
  const rows = rowsOf<{ flushed_segment: string | number }>(
    await database.db.execute(sql`SELECT flushed_segment FROM collab_journal WHERE id = 1`),
  );
  return rows.length > 0 ? Number(rows[0]!.flushed_segment) : 0;
}
