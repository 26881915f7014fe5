import type { Peer } from "./peer.ts";
import { type AwarenessEntry, decodeAwareness, encodeAwareness } from "./protocol.ts";

/** Bounds against abuse: a real editor tab uses one id and a few hundred bytes of state. */
const MAX_IDS_PER_PEER = 8;
const MAX_STATE_CHARS = 16_384;
/** Removed ids remembered so a stale re-send (clients echo states they receive) cannot revive them. */
const MAX_TOMBSTONES = 10_000;

interface Held {
  clock: number;
  state: string;
  peer: Peer;
}

/**
 * Awareness (cursors, selections, names) of one document. Each client id belongs to the connection
 * that first used it; the server overwrites `user` with the identity from the token; an entry is
 * forwarded only when its clock advances (clients re-send states they receive, which would
 * otherwise echo O(N²)); a closed connection's entries are removed at once.
 */
export class DocumentAwareness {
  readonly #held = new Map<number, Held>();
  readonly #tombstones = new Map<number, number>();

  get size(): number {
    return this.#held.size;
  }

  /** Applies a client's awareness frame; returns the frame to forward to the others, or null. */
  apply(peer: Peer, payload: Uint8Array): Uint8Array | null {
    const changed: AwarenessEntry[] = [];
    for (const entry of decodeAwareness(payload)) {
      const held = this.#held.get(entry.clientId);
      if (held && held.peer !== peer) continue;
      if (entry.state === "null") {
        if (held) changed.push(this.#remove(entry.clientId, held, Math.max(entry.clock, held.clock + 1)));
        continue;
      }
      if (held && entry.clock <= held.clock) continue;
      const removedAt = this.#tombstones.get(entry.clientId);
      if (removedAt !== undefined && entry.clock <= removedAt) continue;
      if (!held && !peer.awarenessIds.has(entry.clientId)) {
        if (peer.awarenessIds.size >= MAX_IDS_PER_PEER) continue;
        peer.awarenessIds.add(entry.clientId);
      }
      const state = stamp(entry.state, peer);
      if (state === null) continue;
      this.#held.set(entry.clientId, { clock: entry.clock, state, peer });
      changed.push({ clientId: entry.clientId, clock: entry.clock, state });
    }
    return changed.length > 0 ? encodeAwareness(changed) : null;
  }

  /** Every current state, for a connection that just arrived (or asked). */
  snapshot(): Uint8Array | null {
    if (this.#held.size === 0) return null;
    return encodeAwareness(
      [...this.#held].map(([clientId, held]) => ({ clientId, clock: held.clock, state: held.state })),
    );
  }

  /** Forgets a closed connection's entries; returns the removal frame for the others, or null. */
  removePeer(peer: Peer): Uint8Array | null {
    const removed: AwarenessEntry[] = [];
    for (const clientId of peer.awarenessIds) {
      const held = this.#held.get(clientId);
      if (held?.peer === peer) removed.push(this.#remove(clientId, held, held.clock + 1));
    }
    peer.awarenessIds.clear();
    return removed.length > 0 ? encodeAwareness(removed) : null;
  }

  #remove(clientId: number, held: Held, clock: number): AwarenessEntry {
    this.#held.delete(clientId);
    held.peer.awarenessIds.delete(clientId);
    if (this.#tombstones.size >= MAX_TOMBSTONES) this.#tombstones.clear();
    this.#tombstones.set(clientId, clock);
    return { clientId, clock, state: "null" };
  }
}

function stamp(json: string, peer: Peer): string | null {
  if (json.length > MAX_STATE_CHARS) return null;
  try {
    const state: unknown = JSON.parse(json);
    if (state === null || typeof state !== "object" || Array.isArray(state)) return null;
    return JSON.stringify({ ...state, user: peer.user });
  } catch {
    return null;
  }
}
