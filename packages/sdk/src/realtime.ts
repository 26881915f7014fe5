import type { ClientToServerEvents, ServerToClientEvents } from "@codepark/protocol";
import type { ManagerOptions, Socket, SocketOptions } from "socket.io-client";
import type { Credential } from "./credential.ts";

/** The realtime connection, typed by the protocol's event maps. */
export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type RealtimeOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * Opens the Socket.IO connection as the web app does: WebSocket only (CodePark's nodes sit behind a
 * plain round-robin balancer, no sticky sessions for long-polling), the access token in the
 * handshake's `auth`, fetched fresh on every (re)connect. A handshake refused as `token_expired` is
 * retried once after a refresh. socket.io-client loads on first use, so REST-only callers (and the
 * web app's first download) do not carry it.
 */
export async function openRealtime(
  baseUrl: string,
  credential: Credential,
  options: RealtimeOptions = {},
): Promise<RealtimeSocket> {
  const { io } = await import("socket.io-client");
  let handshakeToken = "";
  const socket: RealtimeSocket = io(baseUrl || undefined, {
    path: "/socket.io",
    transports: ["websocket"],
    ...options,
    auth: (callback) => {
      const send = (token: string | null) => {
        handshakeToken = token ?? "";
        callback({ token: handshakeToken });
      };
      credential.accessToken().then(send, () => send(null));
    },
  } as RealtimeOptions);
  let refreshed = false;
  socket.on("connect", () => {
    refreshed = false;
  });
  socket.on("connect_error", (failure: Error & { data?: { code?: string } }) => {
    if (socket.active || refreshed || failure.data?.code !== "token_expired" || !handshakeToken) return;
    refreshed = true;
    credential.refresh(handshakeToken).then(
      (fresh) => fresh && socket.connect(),
      () => undefined,
    );
  });
  return socket;
}
