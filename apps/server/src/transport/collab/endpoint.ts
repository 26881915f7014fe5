import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { colorFor } from "@codepark/protocol/colors";
import type { FastifyBaseLogger } from "fastify";
import { WebSocket, WebSocketServer } from "ws";
import type { Actor } from "../../domain/actor.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { openDocumentAccess } from "../../domain/collab/access.ts";
import { handleFrame } from "../../domain/collab/connection.ts";
import type { Peer, PeerUser } from "../../domain/collab/peer.ts";
import type { CollabService } from "../../domain/collab/service.ts";
import { AppError, toProblem } from "../../domain/errors.ts";
import { redactUrl } from "../../infra/telemetry/logger.ts";
import type { Services } from "../../services.ts";
import { frameOf } from "./frames.ts";

export const COLLAB_PATH_PREFIX = "/collab/";
const PATH = /^\/collab\/([A-Za-z0-9_-]{1,64})$/;
const HEARTBEAT_MS = 30_000;
/** A client this far behind on reading is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

class SocketPeer implements Peer {
  readonly awarenessIds = new Set<number>();
  alive = true;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`: frames built once per broadcast are written to it. */
    readonly socket: Duplex,
    public actor: Actor,
    readonly user: PeerUser,
    public readOnly: boolean,
  ) {}

  send(message: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      this.close(1008, "client too slow");
      return;
    }
    // Same socket and call order as ws's own frames (no compression, so ws never holds one back).
    this.socket.write(frameOf(message));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code, reason);
  }
}

function refuse(socket: Duplex, error: AppError): void {
  const body = JSON.stringify(toProblem(error));
  const reason = error.status === 401 ? "Unauthorized" : error.status === 404 ? "Not Found" : "Error";
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The y-websocket endpoint: `ws://host/collab/<fileId>?token=…`. The upgrade is authorized with the
 * same policy as REST (401 without a valid token, 404 when the file is not readable); viewers
 * connect read-only. Everything after the handshake is the collaboration domain's.
 */
export function attachCollabEndpoint(deps: {
  httpServer: HttpServer;
  ctx: Services;
  collab: CollabService;
  maxMessageBytes: number;
  log: FastifyBaseLogger;
}) {
  const { ctx, collab, log } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.maxMessageBytes,
    perMessageDeflate: false,
  });
  const peers = new Set<SocketPeer>();

  async function accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    fileId: string,
    token: string,
  ) {
    const actor = await authenticate(ctx, token);
    const { projectId, readOnly, userName } = await openDocumentAccess(ctx, actor, fileId);
    const doc = await collab.manager.acquire(fileId, projectId);
    if (socket.destroyed) {
      collab.manager.release(doc);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const peer = new SocketPeer(
        ws,
        socket,
        actor,
        { id: actor.userId, name: userName, color: colorFor(actor.userId) },
        readOnly,
      );
      peers.add(peer);
      ws.on("pong", () => {
        peer.alive = true;
      });
      ws.on("message", (data, isBinary) => {
        // After a refusal closed it, nothing more from this client counts (later updates may build on the refused one).
        if (ws.readyState !== WebSocket.OPEN) return;
        if (!isBinary || !(data instanceof Buffer)) {
          peer.close(4400, "binary frames only");
          return;
        }
        handleFrame(collab.manager, collab.metrics, doc, peer, data);
      });
      ws.on("close", () => {
        peers.delete(peer);
        collab.manager.leave(doc, peer);
      });
      ws.on("error", () => ws.terminate());
      collab.manager.join(doc, peer);
      collab.manager.release(doc);
    });
  }

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith(COLLAB_PATH_PREFIX)) return; // another endpoint's upgrade (Socket.IO)
    const match = PATH.exec(url.pathname);
    if (!match) {
      refuse(socket, new AppError("not_found", "No such document"));
      return;
    }
    socket.on("error", () => socket.destroy());
    const token =
      url.searchParams.get("token") ??
      /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1] ??
      null;
    if (!token) {
      refuse(socket, new AppError("unauthorized", "Pass ?token=<access token or API key>"));
      return;
    }
    accept(request, socket, head, match[1]!, token).catch((error: unknown) => {
      if (error instanceof AppError) {
        refuse(socket, error);
      } else {
        log.error({ err: error, url: redactUrl(request.url ?? "") }, "collaboration upgrade failed");
        refuse(socket, new AppError("internal"));
      }
    });
  };
  deps.httpServer.on("upgrade", onUpgrade);

  // Drops connections whose client vanished without closing (no pong within one interval).
  const heartbeat = setInterval(() => {
    for (const peer of peers) {
      if (!peer.alive) {
        peer.ws.terminate();
        continue;
      }
      peer.alive = false;
      peer.ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async close(): Promise<void> {
      clearInterval(heartbeat);
      deps.httpServer.off("upgrade", onUpgrade);
      await collab.close();
      for (const peer of peers) peer.ws.terminate();
      wss.close();
    },
  };
}
