import type { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";
import type { Credential } from "./credential.ts";

export interface CollabOptions {
  /** A WebSocket implementation; defaults to globalThis.WebSocket (Node 20 has none: pass `ws`). */
  WebSocket?: unknown;
  /** Who you are to others (cursor label and colour), set as the awareness `user` field. */
  user?: { id?: string; name: string; color?: string };
  /** Connect now (default) or later with `provider.connect()`. */
  connect?: boolean;
  /** Longest wait between reconnection attempts, ms (y-websocket's default is 2,500). */
  maxBackoffTime?: number;
}

/** One open file: its Yjs document, the "content" text, the provider and its awareness. */
export interface CollabSession {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  awareness: WebsocketProvider["awareness"];
  /** Resolves once the document has synced with the server. */
  synced(): Promise<void>;
  /** Disconnects and frees the document. */
  close(): void;
}

/**
 * Opens a file's live document over CodePark's y-websocket endpoint (`/collab/<fileId>`), the access
 * token as the `token` parameter. The token is fetched again before each reconnection so a
 * long-lived session survives access-token expiry. yjs and y-websocket load on first use.
 */
export async function openCollab(
  baseUrl: string,
  credential: Credential,
  fileId: string,
  options: CollabOptions = {},
): Promise<CollabSession> {
  const [Yjs, { WebsocketProvider }] = await Promise.all([import("yjs"), import("y-websocket")]);
  const WebSocketImpl = (options.WebSocket ?? globalThis.WebSocket) as typeof globalThis.WebSocket;
  if (!WebSocketImpl) throw new TypeError("No WebSocket implementation: pass { WebSocket } (e.g. from 'ws')");
  const token = (await credential.accessToken()) ?? "";
  const doc = new Yjs.Doc();
  const origin = baseUrl || globalThis.location.origin;
  const provider = new WebsocketProvider(`${origin.replace(/^http/, "ws")}/collab`, fileId, doc, {
    WebSocketPolyfill: WebSocketImpl,
    // Two providers in one process would otherwise sync through BroadcastChannel, not the server.
    disableBc: true,
    connect: false,
    params: { token },
    ...(options.maxBackoffTime ? { maxBackoffTime: options.maxBackoffTime } : {}),
  });
  // Before a reconnection, put a fresh token in the URL (an expired one would be refused).
  provider.on("connection-close", () => {
    void credential.accessToken().then(
      (fresh) => {
        if (fresh) provider.params.token = fresh;
      },
      () => undefined,
    );
  });
  if (options.user) provider.awareness.setLocalStateField("user", options.user);
  if (options.connect !== false) provider.connect();
  return {
    doc,
    text: doc.getText("content"),
    provider,
    awareness: provider.awareness,
    synced: () =>
      provider.synced ? Promise.resolve() : new Promise((resolve) => provider.once("sync", () => resolve())),
    close: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}
