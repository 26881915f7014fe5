import type { ClientToServerEvents, ServerToClientEvents } from "@codepark/protocol";
import type { Server, Socket } from "socket.io";
import type { Actor } from "../../domain/actor.ts";
import type { TokenBucket } from "../../domain/limits/token-bucket.ts";

/** What the handshake established about a connection (kept serialisable, as adapters may ship it). */
export interface SocketData {
  /** The actor authenticate() resolved; its role is kept current by user.role_changed. */
  actor: Actor;
  name: string;
  /** Opaque id of this connection in presence (not the Socket.IO id). */
  deviceId: string;
  /** Token bucket for client events (SOCKET_EVENT_RATE). */
  budget: TokenBucket;
}

// biome-ignore lint/complexity/noBannedTypes: Socket.IO's "no inter-server events" map.
type InterServerEvents = {};

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export const userRoom = (userId: string) => `user:${userId}`;
export const PROJECT_ROOM_PREFIX = "project:";
export const projectRoom = (projectId: string) => `${PROJECT_ROOM_PREFIX}${projectId}`;
/** Sockets whose access to a project is being re-checked: project broadcasts skip them meanwhile. */
export const heldRoom = (projectId: string) => `held:${projectId}`;

/** The projects whose rooms this socket is in. */
export function joinedProjectIds(socket: RealtimeSocket): string[] {
  const ids: string[] = [];
  for (const room of socket.rooms) {
    if (room.startsWith(PROJECT_ROOM_PREFIX)) ids.push(room.slice(PROJECT_ROOM_PREFIX.length));
  }
  return ids;
}
