import type { Peer } from "./peer.ts";
import { type AwarenessEntry, decodeAwareness, encodeAwareness } from "./protocol.ts";

/** Bounds against abuse: a real editor tab uses one id and a few hundred bytes of state. */
const MAX_IDS_PER_PEER = 8;
const MAX_STATE_CHARS = 16_384;
/** Removed ids remembered so a stale re-send (clients echo states they receive) cannot revive them. */
const MAX_TOMBSTONES = 10_000;

/** Another node's connections, as one owner: its entries arrive already stamped. */
interface RemoteOwner {
  node: string;
  /** When the entry was last renewed (clients renew every 15 s). */
  seenAt: number;
}

interface Held {
  clock: number;
  state: string;
  owner: Peer | RemoteOwner;
}

/**
 * A remote entry not renewed for this long belongs to a node that went away without saying so
 * (y-protocols clients drop such states after the same 30 s).
 */
export const REMOTE_AWARENESS_TIMEOUT_MS = 30_000;

const isRemote = (owner: Peer | RemoteOwner): owner is RemoteOwner => "node" in owner;

/**
 * Awareness (cursors, selections, names) of one document. Each client id belongs to the connection
 * that first used it; the server overwrites `user` with the identity from the token; an entry is
 * forwarded only when its clock advances (clients re-send states they receive, which would
 * otherwise echo O(N²)); a closed connection's entries are removed at once. Entries of other
 * nodes' connections arrive through applyRemote(); a local connection may take an id over from
 * another node by advancing its clock (its client moved here), never the other way round.
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
      let held = this.#held.get(entry.clientId);
      if (held && isRemote(held.owner) && entry.clock > held.clock) {
        // The client moved here from another node (its clock advanced: not an echo of a state the
        // connection was sent, which carries the held clock): the id is this connection's now.
        this.#held.delete(entry.clientId);
        held = undefined;
      }
      if (held && held.owner !== peer) continue;
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
      this.#held.set(entry.clientId, { clock: entry.clock, state, owner: peer });
      changed.push({ clientId: entry.clientId, clock: entry.clock, state });
    }
    return changed.length > 0 ? encodeAwareness(changed) : null;
  }

  /**
   * Applies a frame another node forwarded (already checked and stamped there); returns what to
   * forward to this node's connections, or null. Ids held by a connection here are left alone.
   */
  applyRemote(node: string, payload: Uint8Array, now: number): Uint8Array | null {
    const changed: AwarenessEntry[] = [];
    for (const entry of decodeAwareness(payload)) {
      const held = this.#held.get(entry.clientId);
      if (held && !isRemote(held.owner)) continue;
      if (entry.state === "null") {
        if (held) {
          this.#held.delete(entry.clientId);
          changed.push({
            clientId: entry.clientId,
            clock: Math.max(entry.clock, held.clock + 1),
            state: "null",
          });
        }
        continue;
      }
      if (held && entry.clock <= held.clock) {
        (held.owner as RemoteOwner).seenAt = now;
        continue;
      }
      if (entry.state.length > MAX_STATE_CHARS) continue;
      this.#held.set(entry.clientId, {
        clock: entry.clock,
        state: entry.state,
        owner: { node, seenAt: now },
      });
      changed.push(entry);
    }
    return changed.length > 0 ? encodeAwareness(changed) : null;
  }
  /** Every current state, for a connection that just arrived (or asked). */
  snapshot(now: number = Date.now()): Uint8Array | null {
    this.#expireRemote(now);
    if (this.#held.size === 0) return null;
    return encodeAwareness(
      [...this.#held].map(([clientId, held]) => ({ clientId, clock: held.clock, state: held.state })),
    );
  }

  /** Forgets other nodes' entries that were not renewed in time (their node died). */
  #expireRemote(now: number): void {
    for (const [clientId, held] of this.#held) {
      if (isRemote(held.owner) && now - held.owner.seenAt > REMOTE_AWARENESS_TIMEOUT_MS) {
        this.#held.delete(clientId);
      }
    }
  }

  /** Forgets a closed connection's entries; returns the removal frame for the others, or null. */
  removePeer(peer: Peer): Uint8Array | null {
    const removed: AwarenessEntry[] = [];
    for (const clientId of peer.awarenessIds) {
      const held = this.#held.get(clientId);
      if (held?.owner === peer) removed.push(this.#remove(clientId, held, held.clock + 1));
    }
    peer.awarenessIds.clear();
    return removed.length > 0 ? encodeAwareness(removed) : null;
  }

  #remove(clientId: number, held: Held, clock: number): AwarenessEntry {
    this.#held.delete(clientId);
    if (!isRemote(held.owner)) held.owner.awarenessIds.delete(clientId);
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
