import * as decoding from "lib0/decoding";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

export interface Editor {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  closes: { code: number; reason: string }[];
  denied: string[];
  synced(): Promise<void>;
  destroy(): void;
}

/** An unmodified y-websocket client, as a browser tab with y-monaco would run it. */
export function openEditor(baseUrl: string, fileId: string, token: string): Editor {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, "ws")}/collab`, fileId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
    maxBackoffTime: 200,
  });
  const closes: Editor["closes"] = [];
  const denied: string[] = [];
  provider.on("connection-close", (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  // y-websocket only console.warns a permission-denied auth message; record it instead.
  provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) === 0) denied.push(decoding.readVarString(decoder));
  };
  return {
    doc,
    text: doc.getText("content"),
    provider,
    closes,
    denied,
    synced: () =>
      provider.synced ? Promise.resolve() : new Promise((resolve) => provider.once("sync", () => resolve())),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** A raw WebSocket upgrade: resolves with the HTTP status of a refused upgrade, or 101. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", (error) => {
      if (!String(error.message).includes("Unexpected server response")) reject(error);
    });
  });
}

/** How the server answered a collaboration connection (a raw ws client, not y-websocket). */
export type CollabOutcome =
  | { kind: "joined"; ws: WebSocket; closed: Promise<{ code: number; reason: string }> }
  | { kind: "closed"; code: number; reason: string }
  | { kind: "refused"; status: number; body: string };

/**
 * Opens `url` (`ws://…/collab/<fileId>?token=…`) and resolves once the server has answered: joined
 * (its first frame, sync step 1, arrived), closed right after the upgrade (code and reason), or the
 * upgrade refused (HTTP status and body).
 */
export function connectCollab(url: string, headers: Record<string, string> = {}): Promise<CollabOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let closedWith!: (value: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      closedWith = done;
    });
    ws.on("close", (code, reason) => {
      closedWith({ code, reason: reason.toString() });
      resolve({ kind: "closed", code, reason: reason.toString() });
    });
    ws.once("message", () => resolve({ kind: "joined", ws, closed }));
    ws.on("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () => resolve({ kind: "refused", status: response.statusCode ?? 0, body }));
    });
    ws.on("error", (error) => {
      if (!String(error.message).includes("Unexpected server response")) reject(error);
    });
  });
}
