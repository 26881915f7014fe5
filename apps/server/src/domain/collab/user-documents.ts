import type { LiveDocument } from "./live-document.ts";

interface Entry {
  /** Connections of this person to the document (a second tab on it costs nothing more). */
  connections: number;
  /** The stored size read before loading; the live size once the document is attached. */
  estimate: number;
  doc: LiveDocument | null;
}

/** One connection's share of a person's open documents; release() it when the connection ends. */
export interface OpenDocumentHold {
  /** The document once loaded: from then on its live size counts (it grows as it is edited). */
  attach(doc: LiveDocument): void;
  release(): void;
}

/**
 * COLLAB_USER_LOADED_BYTES: per person, the byte size (stored Yjs state + log, as LiveDocument.bytes
 * counts it) of the distinct documents they have open on this node. Opening one more that would pass
 * the cap is refused before it is loaded; documents already open may still grow (each up to
 * COLLAB_MAX_DOCUMENT_BYTES). Per node: a person's documents open on another node count there.
 */
export class UserDocumentBudget {
  readonly #users = new Map<string, Map<string, Entry>>();

  /** `limitBytes` 0: no cap, nothing is tracked. */
  constructor(readonly limitBytes: number) {}

  /** Bytes of the documents `userId` has open (or is opening) on this node. */
  loadedBytes(userId: string): number {
    let total = 0;
    for (const entry of this.#users.get(userId)?.values() ?? []) total += sizeOf(entry);
    return total;
  }

  /**
   * Room for one more connection of `userId` to `fileId` (of `bytes` as stored): a hold, or null
   * when the document is not open for them yet and would take them past the cap.
   */
  reserve(userId: string, fileId: string, bytes: number): OpenDocumentHold | null {
    if (this.limitBytes === 0) return unlimited;
    let documents = this.#users.get(userId);
    let entry = documents?.get(fileId);
    if (!entry) {
      if (this.loadedBytes(userId) + bytes > this.limitBytes) return null;
      entry = { connections: 0, estimate: bytes, doc: null };
      if (!documents) {
        documents = new Map();
        this.#users.set(userId, documents);
      }
      documents.set(fileId, entry);
    }
    entry.connections++;
    const held = entry;
    let released = false;
    return {
      attach: (doc) => {
        held.doc = doc;
      },
      release: () => {
        if (released) return;
        released = true;
        if (--held.connections > 0) return;
        documents!.delete(fileId);
        if (documents!.size === 0) this.#users.delete(userId);
      },
    };
  }

  /** People with anything open: 0 once every hold is released (nothing leaks). */
  get size(): number {
    return this.#users.size;
  }
}

function sizeOf(entry: Entry): number {
  return entry.doc && !entry.doc.closed ? entry.doc.bytes : entry.estimate;
}

const unlimited: OpenDocumentHold = { attach: () => {}, release: () => {} };
