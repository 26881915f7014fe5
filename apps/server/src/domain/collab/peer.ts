import type { Actor } from "../actor.ts";

/** The identity the server stamps into a client's awareness state. */
export interface PeerUser {
  id: string;
  name: string;
  color: string;
}

/**
 * One collaboration connection, as the document manager sees it: socket-agnostic.
 * The transport implements send/close over its socket.
 */
export interface Peer {
  /** Refreshed when the user's role or membership changes. */
  actor: Actor;
  readonly user: PeerUser;
  /** Viewers (and API keys without projects:write) get read-only peers: their updates are refused. */
  readOnly: boolean;
  /** Awareness client ids this connection has claimed; nobody else may speak for them. */
  readonly awarenessIds: Set<number>;
  send(message: Uint8Array): void;
  close(code: number, reason: string): void;
}
