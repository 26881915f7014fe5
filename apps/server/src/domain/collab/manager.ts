import * as Y from "yjs";
import type { Clock } from "../ports/clock.ts";
import { applySafely } from "./apply.ts";
import { type CollabFanout, singleNode } from "./fanout.ts";
import { LiveDocument } from "./live-document.ts";
import { inMergeRuns } from "./merge-runs.ts";
import type { CollabMetrics } from "./metrics.ts";
import type { Peer } from "./peer.ts";
import {
  CollabCloseCode,
  decodeMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from "./protocol.ts";
import type { DocumentStore } from "./store.ts";
import { deletedBytes, growthBound } from "./text-size.ts";

export interface CollabLimits {
  maxDocumentBytes: number;
  /** Largest live text in UTF-8 bytes (MAX_FILE_BYTES, as REST writes are held to). */
  maxFileBytes: number;
  unloadGraceMs: number;
  compactEvery: number;
  checkpointIntervalMs: number;
  /** Extra wait before a group commit so more updates share it (0: only one event-loop turn). */
  commitWindowMs: number;
  /** Per person, bytes of the documents they have open on this node (0: no cap). */
  userLoadedBytes: number;
}

export interface CollabLogger {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

interface Queued {
  doc: LiveDocument;
  update: Uint8Array;
  /** What it may add to the text (counted in doc.pendingTextGrowth until applied or dropped). */
  growth: number;
  peer: Peer | null;
  settle: { resolve: () => void; reject: (error: unknown) => void } | null;
}

/** Origin of updates the manager applies after they are durable. */
const DURABLE = Symbol("durable");
/** Origin of updates another node made durable (or the log held when this node resynced). */
const REMOTE = Symbol("remote");

export class DocumentTooLargeError extends Error {}
/** The update would make the file's text larger than MAX_FILE_BYTES. */
export class TextTooLargeError extends DocumentTooLargeError {}

/**
 * Holds live documents and moves every update through one path: size check → group commit to the
 * update log → apply in memory → one encoded broadcast. Nothing reaches memory or another client
 * before it is durable, so a crash loses only what nobody else has seen.
 */
export class DocumentManager {
  readonly #docs = new Map<string, LiveDocument>();
  readonly #loading = new Map<string, Promise<LiveDocument>>();
  #queue: Queued[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | null = null;
  /** Set while a compaction from memory runs: no group commit starts until it is done. */
  #appendsPaused = false;
  readonly #checkpoint: (doc: LiveDocument) => Promise<void>;
  /** Settles when the last queued compaction is done (compactions run one after another). */
  #compactionQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly limits: CollabLimits,
    private readonly metrics: CollabMetrics,
    private readonly log: CollabLogger,
    checkpoint: (doc: LiveDocument) => Promise<void>,
    private readonly fanout: CollabFanout = singleNode,
  ) {
    this.#checkpoint = checkpoint;
    store.log.onBacklog((fileIds) => this.#compactBacklog(fileIds));
  }

  /**
   * The log's backlog: documents loaded here whose log already outweighs their snapshot are
   * compacted now (a compaction from memory takes their pending updates out of the log), rather
   * than have those updates moved into the table and compacted a little later anyway. One node only:
   * shared documents compact by merging what is in the table.
   */
  async #compactBacklog(fileIds: readonly string[]): Promise<void> {
    if (this.fanout.shared) return;
    for (const fileId of fileIds) {
      const doc = this.#docs.get(fileId);
      if (!doc || doc.closed || doc.updatesSinceCompaction === 0 || !logOutweighsSnapshot(doc)) continue;
      await this.compact(doc);
    }
  }

  get loadedCount(): number {
    return this.#docs.size;
  }

  get(fileId: string): LiveDocument | undefined {
    return this.#docs.get(fileId);
  }

  documents(): IterableIterator<LiveDocument> {
    return this.#docs.values();
  }

  /** Loads (or shares) a document and counts one hold on it; pair with release(). */
  async acquire(fileId: string, projectId: string): Promise<LiveDocument> {
    const existing = this.#docs.get(fileId);
    if (existing && !existing.closed) {
      existing.holds++;
      this.#cancelUnload(existing);
      return existing;
    }
    let loading = this.#loading.get(fileId);
    if (!loading) {
      loading = this.#load(fileId, projectId).finally(() => this.#loading.delete(fileId));
      this.#loading.set(fileId, loading);
    }
    const doc = await loading;
    doc.holds++;
    this.#cancelUnload(doc);
    return doc;
  }

  release(doc: LiveDocument): void {
    doc.holds = Math.max(0, doc.holds - 1);
    this.#scheduleUnload(doc);
  }

  async #load(fileId: string, projectId: string): Promise<LiveDocument> {
    // Subscribed before reading: whatever another node commits from here on either is in what we
    // read or arrives as a message (held until the document exists).
    let doc: LiveDocument | null = null;
    const early: (() => void)[] = [];
    const whenLoaded = (work: (loaded: LiveDocument) => void) => {
      if (doc) work(doc);
      else early.push(() => work(doc!));
    };
    await this.fanout.open(fileId, {
      update: (update) => whenLoaded((loaded) => this.#applyRemote(loaded, update)),
      awareness: (node, frame) => whenLoaded((loaded) => this.#remoteAwareness(loaded, node, frame)),
      resync: () => whenLoaded((loaded) => void this.resync(loaded)),
    });
    let stored: Awaited<ReturnType<DocumentStore["load"]>>;
    try {
      stored = await this.store.load(fileId);
    } catch (error) {
      this.fanout.close(fileId);
      throw error;
    }
    doc = new LiveDocument(fileId, projectId, this.clock.now().getTime());
    doc.ydoc.transact(() => {
      if (stored.snapshot) Y.applyUpdate(doc.ydoc, stored.snapshot);
      for (const update of stored.updates) {
        if (!applySafely(doc.ydoc, update))
          this.log.error({ fileId }, "skipped an update-log entry Yjs cannot apply");
      }
    });
    doc.bytes = stored.bytes;
    doc.snapshotBytes = stored.snapshot?.byteLength ?? 0;
    doc.updatesSinceCompaction = stored.updates.length;
    doc.compactAfter = this.#compactionThreshold();
    this.#docs.set(fileId, doc);
    this.metrics.documents.set(this.#docs.size);
    for (const work of early) work();
    return doc;
  }

  /** Another node's durable update: into memory and out to this node's connections. */
  #applyRemote(doc: LiveDocument, update: Uint8Array): void {
    if (doc.closed) return;
    if (!applySafely(doc.ydoc, update, REMOTE)) {
      this.log.error({ fileId: doc.fileId }, "an update from another node could not be applied; resyncing");
      void this.resync(doc);
      return;
    }
    doc.bytes += update.byteLength;
    this.metrics.updatesBroadcast.inc(doc.broadcast(encodeUpdate(update)));
  }

  /** Another node's awareness frame (as its connections were sent it): to this node's connections. */
  #remoteAwareness(doc: LiveDocument, node: string, frame: Uint8Array): void {
    if (doc.closed) return;
    try {
      const message = decodeMessage(frame);
      if (message.type !== "awareness") return;
      const forward = doc.awareness.applyRemote(node, message.payload, this.clock.now().getTime());
      if (forward) doc.broadcast(forward);
    } catch (error) {
      this.log.warn(
        { err: error, fileId: doc.fileId },
        "ignored a malformed awareness frame from another node",
      );
    }
  }

  /** A connection's awareness change: to this node's connections (the sender too) and the others. */
  shareAwareness(doc: LiveDocument, frame: Uint8Array): void {
    doc.broadcast(frame);
    this.fanout.publishAwareness(doc.fileId, frame);
  }

  /**
   * Catches a document up with the durable log after messages from other nodes may have been lost:
   * what the log holds that memory lacks (a state-vector diff) is applied and sent to the
   * connections here. One at a time per document.
   */
  resync(doc: LiveDocument): Promise<void> {
    doc.resyncing ??= (async () => {
      try {
        const stored = await this.store.load(doc.fileId);
        if (doc.closed) return;
        const scratch = new Y.Doc({ gc: true });
        try {
          scratch.transact(() => {
            if (stored.snapshot) applySafely(scratch, stored.snapshot);
            for (const update of stored.updates) applySafely(scratch, update);
          });
          const missing = Y.encodeStateAsUpdate(scratch, Y.encodeStateVector(doc.ydoc));
          // What actually changed memory, as Yjs reports it: new text, or only deletions (which
          // leave the state vector as it was).
          let changed: Uint8Array | null = null;
          const capture = (update: Uint8Array) => {
            changed = update;
          };
          doc.ydoc.on("update", capture);
          try {
            applySafely(doc.ydoc, missing, REMOTE);
          } finally {
            doc.ydoc.off("update", capture);
          }
          if (changed) {
            doc.bytes += (changed as Uint8Array).byteLength;
            this.metrics.resyncs.inc({ result: "repaired" });
            this.metrics.updatesBroadcast.inc(doc.broadcast(encodeUpdate(changed)));
          } else {
            this.metrics.resyncs.inc({ result: "in_sync" });
          }
        } finally {
          scratch.destroy();
        }
      } catch (error) {
        this.metrics.resyncs.inc({ result: "failed" });
        this.log.warn({ err: error, fileId: doc.fileId }, "resync from the log failed");
      } finally {
        doc.resyncing = null;
      }
    })();
    return doc.resyncing;
  }

  /** A peer joins: it gets our state vector (sync step 1) and everyone's awareness. */
  join(doc: LiveDocument, peer: Peer): void {
    doc.peers.add(peer);
    this.#cancelUnload(doc);
    this.metrics.connections.inc();
    peer.send(encodeSyncStep1(Y.encodeStateVector(doc.ydoc)));
    const awareness = doc.awareness.snapshot(this.clock.now().getTime());
    if (awareness) peer.send(awareness);
  }

  leave(doc: LiveDocument, peer: Peer): void {
    if (!doc.peers.delete(peer)) return;
    this.metrics.connections.dec();
    const removal = doc.awareness.removePeer(peer);
    if (removal) this.shareAwareness(doc, removal);
    this.#scheduleUnload(doc);
  }

  /** Sync step 1 from a client: answer with what it lacks. */
  answerSyncStep1(doc: LiveDocument, peer: Peer, stateVector: Uint8Array): void {
    peer.send(encodeSyncStep2(Y.encodeStateAsUpdate(doc.ydoc, stateVector)));
  }

  /**
   * Accepts an update for durable application. Validates it fully first (a malformed one throws
   * before anything is stored). Resolves once it is in the log, in memory and broadcast.
   */
  submit(doc: LiveDocument, update: Uint8Array, peer: Peer | null): Promise<void> {
    return new Promise((resolve, reject) => this.#accept(doc, update, peer, { resolve, reject }));
  }

  /**
   * A connection's update: as submit(), without a promise per keystroke. If the write fails the
   * manager closes the peer, which re-sends the edit when it reconnects.
   */
  submitFromPeer(doc: LiveDocument, update: Uint8Array, peer: Peer): void {
    this.#accept(doc, update, peer, null);
  }

  #accept(doc: LiveDocument, update: Uint8Array, peer: Peer | null, settle: Queued["settle"]): void {
    const decoded = Y.decodeUpdate(update);
    if (doc.bytes + update.byteLength > this.limits.maxDocumentBytes) {
      this.metrics.updatesRefused.inc({ reason: "too_large" });
      throw new DocumentTooLargeError(`document would exceed ${this.limits.maxDocumentBytes} bytes`);
    }
    const growth = growthBound(doc.ydoc, decoded);
    if (growth > 0 && this.#textWouldExceed(doc, growth, decoded)) {
      this.metrics.updatesRefused.inc({ reason: "file_too_large" });
      throw new TextTooLargeError(`the file would exceed ${this.limits.maxFileBytes} bytes`);
    }
    doc.bytes += update.byteLength;
    doc.pendingTextGrowth += growth;
    this.metrics.updatesReceived.inc();
    this.#queue.push({ doc, update, growth, peer, settle });
    this.#scheduleFlush();
  }

  /**
   * Whether the text could pass MAX_FILE_BYTES once this update and those queued before it are
   * applied. An upper bound: queued updates count only what they insert, this one is credited with
   * the live text it deletes; the exact size is measured only when the bound alone says no.
   */
  #textWouldExceed(doc: LiveDocument, growth: number, decoded: ReturnType<typeof Y.decodeUpdate>): boolean {
    const limit = this.limits.maxFileBytes;
    const ahead = doc.pendingTextGrowth + this.#heldByYjs(doc) + growth;
    if (doc.textSize.bytes + ahead <= limit) return false;
    const live = doc.textSize.measure();
    return live + ahead - deletedBytes(doc.ydoc, doc.text, decoded.ds) > limit;
  }

  /**
   * What updates Yjs holds back (waiting for ones they depend on) may add once they integrate: at
   * most their strings' bytes (all inside their encoding) plus 4 per item for cut surrogate pairs,
   * so 5× their encoded size. Decoding them instead would cost O(held) per keystroke, and only
   * broken or hostile clients send updates Yjs must hold back, so the coarse bound costs nobody.
   */
  #heldByYjs(doc: LiveDocument): number {
    const held = doc.ydoc.store.pendingStructs;
    return held ? 5 * held.update.byteLength : 0;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing || this.#appendsPaused) return;
    this.#flushScheduled = true;
    // Everything that arrives in this turn of the event loop shares one commit.
    if (this.limits.commitWindowMs > 0) setTimeout(this.#runFlush, this.limits.commitWindowMs);
    else setImmediate(this.#runFlush);
  }

  /** Made once: a keystroke should not allocate a closure to schedule its commit. */
  readonly #runFlush = (): void => {
    this.#flushScheduled = false;
    this.#flushing = this.#flushThenReschedule();
  };

  async #flushThenReschedule(): Promise<void> {
    try {
      await this.#flush();
    } finally {
      this.#flushing = null;
      if (this.#queue.length > 0) this.#scheduleFlush();
    }
  }

  /** Group commit: while one write is in flight the next batch gathers. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0 && !this.#appendsPaused) {
      const batch = this.#queue;
      this.#queue = [];
      const started = performance.now();
      try {
        await this.store.append(batch.map((item) => ({ fileId: item.doc.fileId, update: item.update })));
      } catch (error) {
        this.metrics.writeLatency.observe((performance.now() - started) / 1000);
        this.log.error(
          { err: error, updates: batch.length },
          "update log write failed; senders disconnected to resync",
        );
        for (const item of batch) {
          item.doc.bytes -= item.update.byteLength;
          item.doc.pendingTextGrowth -= item.growth;
          // The sender still has its edit and re-sends it when it reconnects: nothing is lost.
          item.peer?.close(CollabCloseCode.storageUnavailable, "storage unavailable");
          item.settle?.reject(error);
        }
        continue;
      }
      this.metrics.writeLatency.observe((performance.now() - started) / 1000);
      this.metrics.batchSize.observe(batch.length);
      for (const [doc, items] of groupByDocument(batch))
        for (const run of inMergeRuns(items)) this.#applyDurable(doc, run);
      for (const item of batch) item.settle?.resolve();
    }
  }

  #applyDurable(doc: LiveDocument, items: Queued[]): void {
    const merged = items.length === 1 ? items[0]!.update : Y.mergeUpdates(items.map((item) => item.update));
    // Applied or dropped, these no longer wait: the text size counts what they added.
    for (const item of items) doc.pendingTextGrowth -= item.growth;
    if (!applySafely(doc.ydoc, merged, DURABLE)) {
      // Decoded fine but would not integrate: keep the document usable, drop the senders.
      this.log.error({ fileId: doc.fileId }, "an update passed decoding but failed to apply");
      for (const item of items) item.peer?.close(CollabCloseCode.malformed, "update could not be applied");
      return;
    }
    doc.updatesSinceCompaction += items.length;
    doc.changedSinceCheckpoint = true;
    for (const item of items) if (item.peer) doc.editors.add(item.peer.actor.userId);
    if (doc.closed) return;
    const sender = items[0]!.peer;
    const soleSender = sender && items.every((item) => item.peer === sender) ? sender : null;
    this.metrics.updatesBroadcast.inc(doc.broadcast(encodeUpdate(merged), soleSender));
    this.fanout.publishUpdate(doc.fileId, merged);
    if (doc.updatesSinceCompaction >= doc.compactAfter && logOutweighsSnapshot(doc)) void this.compact(doc);
    if (this.clock.now().getTime() - doc.lastCheckpointAt >= this.limits.checkpointIntervalMs) {
      void this.#runCheckpoint(doc);
    }
  }

  async #runCheckpoint(doc: LiveDocument): Promise<void> {
    if (!doc.changedSinceCheckpoint) return;
    doc.changedSinceCheckpoint = false;
    doc.lastCheckpointAt = this.clock.now().getTime();
    try {
      await this.#checkpoint(doc);
    } catch (error) {
      this.log.warn({ err: error, fileId: doc.fileId }, "automatic checkpoint failed");
    }
  }

  /**
   * Spread over ±20% of COLLAB_COMPACT_EVERY, so documents opened together do not all compact at
   * the same moment.
   */
  #compactionThreshold(): number {
    return Math.max(1, Math.round(this.limits.compactEvery * (0.8 + 0.4 * Math.random())));
  }

  /**
   * Merges the log into the snapshot; one at a time per document, and one document at a time on this
   * node with a turn of the event loop in between: on embedded storage a compaction's queries run on
   * the event loop, and a burst of them would hold live edits up for their whole duration.
   */
  compact(doc: LiveDocument): Promise<void> {
    doc.compacting ??= (async () => {
      const previous = this.#compactionQueue;
      let done = () => {};
      this.#compactionQueue = new Promise<void>((resolve) => {
        done = resolve;
      });
      await previous;
      await new Promise((resolve) => setImmediate(resolve));
      const editors = [...doc.editors];
      doc.editors.clear();
      const stopTimer = this.metrics.compactionSeconds.startTimer();
      try {
        const { result, merged } = this.fanout.shared
          ? { merged: doc.updatesSinceCompaction, result: await this.store.compact(doc.fileId, editors) }
          : await this.#compactFromMemory(doc, editors);
        stopTimer();
        if (result) doc.snapshotBytes = result.stateBytes;
        doc.updatesSinceCompaction = Math.max(0, doc.updatesSinceCompaction - merged);
        this.metrics.compactions.inc({ result: result ? "compacted" : "empty" });
      } catch (error) {
        for (const editor of editors) doc.editors.add(editor);
        this.metrics.compactions.inc({ result: "failed" });
        this.log.warn({ err: error, fileId: doc.fileId }, "compaction failed; the log keeps every update");
      } finally {
        doc.compactAfter = this.#compactionThreshold();
        doc.compacting = null;
        done();
      }
    })();
    return doc.compacting;
  }

  /**
   * A single node's compaction: its live document holds every log entry once no group commit is in
   * flight, so appends are held (queued updates wait, a few ms) while its state replaces the
   * snapshot. Nothing is decoded or merged, where compact() re-reads and re-applies the document.
   */
  async #compactFromMemory(
    doc: LiveDocument,
    editors: readonly string[],
  ): Promise<{ result: { text: string; size: number; stateBytes: number } | null; merged: number }> {
    this.#appendsPaused = true;
    try {
      while (this.#flushing) await this.#flushing;
      const merged = doc.updatesSinceCompaction;
      const bytesBefore = doc.bytes;
      const live = { state: Y.encodeStateAsUpdate(doc.ydoc), text: doc.text.toString() };
      const result = await this.store.compactFromMemory(doc.fileId, live, editors);
      // Stored now: the new snapshot, plus what was accepted meanwhile.
      if (result) doc.bytes = live.state.byteLength + (doc.bytes - bytesBefore);
      return { result, merged };
    } finally {
      this.#appendsPaused = false;
      if (this.#queue.length > 0) this.#scheduleFlush();
    }
  }

  /** Waits until every update accepted so far is durable. */
  async drain(): Promise<void> {
    while (this.#flushScheduled || this.#flushing || this.#queue.length > 0) {
      await (this.#flushing ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  #cancelUnload(doc: LiveDocument): void {
    if (doc.unloadTimer) clearTimeout(doc.unloadTimer);
    doc.unloadTimer = null;
  }

  #scheduleUnload(doc: LiveDocument): void {
    if (!doc.idle || doc.unloadTimer || doc.closed) return;
    doc.unloadTimer = setTimeout(() => {
      doc.unloadTimer = null;
      if (doc.idle) void this.unload(doc);
    }, this.limits.unloadGraceMs);
    doc.unloadTimer.unref();
  }

  /** Drops a document from memory after its last user: writes pending updates, compacts, checkpoints. */
  async unload(doc: LiveDocument): Promise<void> {
    if (doc.closed) return;
    doc.closed = true;
    this.fanout.close(doc.fileId);
    this.#docs.delete(doc.fileId);
    this.metrics.documents.set(this.#docs.size);
    await this.drain();
    await doc.compacting;
    if (doc.updatesSinceCompaction > 0 || doc.editors.size > 0) await this.compact(doc);
    await this.#runCheckpoint(doc);
    doc.ydoc.destroy();
  }

  /** Closes every connection to a document and forgets it without writing (the file is gone). */
  discard(fileId: string, code: number, reason: string): void {
    const doc = this.#docs.get(fileId);
    if (!doc) return;
    doc.closed = true;
    this.fanout.close(fileId);
    this.#cancelUnload(doc);
    this.#docs.delete(fileId);
    this.metrics.documents.set(this.#docs.size);
    for (const peer of [...doc.peers]) peer.close(code, reason);
    doc.ydoc.destroy();
  }

  /** Shutdown: close every connection, write what is pending, compact and unload everything. */
  async closeAll(): Promise<void> {
    const docs = [...this.#docs.values()];
    for (const doc of docs) {
      this.#cancelUnload(doc);
      for (const peer of [...doc.peers]) peer.close(CollabCloseCode.goingAway, "server shutting down");
    }
    await this.drain();
    await Promise.all(docs.map((doc) => this.unload(doc)));
  }
}

/**
 * Whether a compaction is worth its cost yet: it rewrites the whole snapshot, so compacting only once
 * the log holds at least as many bytes keeps its cost per update constant however large the
 * document grows (a fixed count would rewrite a 1 MB snapshot every few thousand keystrokes), and
 * a load still reads at most about twice the snapshot.
 */
function logOutweighsSnapshot(doc: LiveDocument): boolean {
  return doc.bytes - doc.snapshotBytes >= doc.snapshotBytes;
}

function groupByDocument(batch: Queued[]): Map<LiveDocument, Queued[]> {
  const groups = new Map<LiveDocument, Queued[]>();
  for (const item of batch) {
    const group = groups.get(item.doc);
    if (group) group.push(item);
    else groups.set(item.doc, [item]);
  }
  return groups;
}
