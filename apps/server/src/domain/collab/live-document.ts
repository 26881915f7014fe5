import * as Y from "yjs";
import { DocumentAwareness } from "./awareness.ts";
import type { Peer } from "./peer.ts";
import { TextSize } from "./text-size.ts";

/** One document held in memory while anyone uses it. Holds only updates already in the log. */
export class LiveDocument {
  readonly ydoc = new Y.Doc({ gc: true });
  readonly text = this.ydoc.getText("content");
  /** UTF-8 size of `text`, kept per transaction. */
  readonly textSize = new TextSize(this.ydoc, this.text);
  readonly awareness = new DocumentAwareness();
  readonly peers = new Set<Peer>();
  /** Users of the document other than sockets (a REST read or write in progress). */
  holds = 0;
  /** Stored size: snapshot + log entries, plus updates accepted but not yet written. */
  bytes = 0;
  /** At most how many bytes the updates accepted but not yet applied add to the text. */
  pendingTextGrowth = 0;
  /** Bytes of the stored snapshot, which a compaction rewrites whole. */
  snapshotBytes = 0;
  updatesSinceCompaction = 0;
  /**
   * Compact once updatesSinceCompaction reaches this (COLLAB_COMPACT_EVERY, jittered) and the log
   * outweighs the snapshot.
   */
  compactAfter = Number.POSITIVE_INFINITY;
  changedSinceCheckpoint = false;
  /** Users whose updates were applied since editors were last recorded (at compaction/unload). */
  editors = new Set<string>();
  lastCheckpointAt: number;
  compacting: Promise<void> | null = null;
  /** A catch-up from the log in progress (messages from other nodes may have been missed). */
  resyncing: Promise<void> | null = null;
  unloadTimer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    readonly fileId: string,
    readonly projectId: string,
    now: number,
  ) {
    this.lastCheckpointAt = now;
  }

  get idle(): boolean {
    return this.peers.size === 0 && this.holds === 0;
  }

  /** Sends one already-encoded frame to every peer but `except`. */
  broadcast(message: Uint8Array, except: Peer | null = null): number {
    let sent = 0;
    for (const peer of this.peers) {
      if (peer === except) continue;
      peer.send(message);
      sent++;
    }
    return sent;
  }
}
