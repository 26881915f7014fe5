import { randomUUID } from "node:crypto";
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
import { CollabCloseCode } from "../../domain/collab/protocol.ts";
import type { CollabService } from "../../domain/collab/service.ts";
import type { OpenDocumentHold } from "../../domain/collab/user-documents.ts";
import { AppError } from "../../domain/errors.ts";
import { type ConnectionSlot, describeRefusal } from "../../domain/limits/connection-gate.ts";
import { COLLAB_FRAME_RATE, fullBucket, takeToken } from "../../domain/limits/token-bucket.ts";
import { redactUrl } from "../../infra/telemetry/logger.ts";
import type { Services } from "../../services.ts";
import { clientIpOf } from "../client-ip.ts";
import type { DoorLimits } from "../door-limits.ts";
import { rawProblemResponse } from "../http/problems.ts";
import { frameOf } from "./frames.ts";

export const COLLAB_PATH_PREFIX = "/collab/";
const PATH = /^\/collab\/([A-Za-z0-9_-]{1,64})$/;
const HEARTBEAT_MS = 30_000;
/** A client this far behind on reading is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

class SocketPeer implements Peer {
  readonly awarenessIds = new Set<number>();
  alive = true;
  /** Frames this connection may still send now (COLLAB_FRAME_RATE). */
  readonly budget = fullBucket(COLLAB_FRAME_RATE, Date.now());
  /** Closed for sending too fast: what is still buffered is ignored. */
  limited = false;

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
  socket.end(rawProblemResponse(error));
  // A client that never closes its side must not keep the socket (nor a closing server) waiting.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/**
 * The y-websocket endpoint: `ws://host/collab/<fileId>?token=…`. The upgrade is authorized with the
 * same policy as REST (401 without a valid token, 404 when the file is not readable); viewers
 * connect read-only. Everything after the handshake is the collaboration domain's.
 *
 * Limits (docs/security.md, "WebSocket limits"): while it authenticates, an upgrade counts against its IP (429
 * problem+json when that IP has too many in flight: transient, the client retries); then against
 * the person's connection cap, and their open documents against COLLAB_USER_LOADED_BYTES: those are
 * refused by upgrading and closing at once with 4429 / 4430 and a reason, which y-websocket reports
 * (`closed` event) and does not retry, where a refused upgrade would only show it a 1006 to retry
 * every few seconds. Frames faster than COLLAB_FRAME_RATE close the connection with 4529.
 */
export function attachCollabEndpoint(deps: {
  httpServer: HttpServer;
  ctx: Services;
  collab: CollabService;
  maxMessageBytes: number;
  log: FastifyBaseLogger;
  /** Connection caps and the rejection counter, shared with the Socket.IO gateway. */
  limits: DoorLimits;
}) {
  const { ctx, collab, log } = deps;
  const { gate, refused } = deps.limits;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.maxMessageBytes,
    perMessageDeflate: false,
  });
  const peers = new Set<SocketPeer>();
  // Upgrades still being authorized: shutdown destroys them, or one finishing after close() would
  // hold the HTTP server open (it waits for every connection).
  const pending = new Set<Duplex>();
  let closing = false;

  /** Completes the upgrade only to close it at once with `code`: y-websocket reads the reason. */
  function closeAtOnce(request: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string) {
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on("error", () => ws.terminate());
      ws.close(code, reason);
    });
  }

  async function accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    fileId: string,
    token: string,
    slot: ConnectionSlot,
  ) {
    const actor = await authenticate(ctx, token);
    const { projectId, readOnly, userName } = await openDocumentAccess(ctx, actor, fileId);
    if (!(await slot.enterAs(actor))) {
      void slot.close();
      closeAtOnce(request, socket, head, CollabCloseCode.connectionLimit, describeRefusal(slot.refusal));
      return;
    }
    let hold: OpenDocumentHold | null = null;
    let handedOver = false;
    try {
      hold = await collab.reserveOpen(actor.userId, fileId);
      if (!hold) {
        refused("document_bytes");
        const limit = collab.openDocuments.limitBytes;
        closeAtOnce(
          request,
          socket,
          head,
          CollabCloseCode.openDocumentsLimit,
          `open documents limit: ${formatBytes(limit)} of documents open at once on this server`,
        );
        return;
      }
      const doc = await collab.manager.acquire(fileId, projectId);
      hold.attach(doc);
      if (socket.destroyed || closing) {
        socket.destroy();
        collab.manager.release(doc);
        return;
      }
      const held = hold;
      handedOver = true;
      pending.delete(socket);
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
          // Once closed (a refusal, a limit), nothing more from this client counts: later updates
          // may build on a refused one.
          if (peer.limited || ws.readyState !== WebSocket.OPEN) return;
          if (!takeToken(peer.budget, COLLAB_FRAME_RATE, Date.now())) {
            peer.limited = true;
            refused("collab_messages");
            peer.close(CollabCloseCode.rateLimited, "message rate limit: reconnect and resync");
            return;
          }
          if (!isBinary || !(data instanceof Buffer)) {
            peer.close(4400, "binary frames only");
            return;
          }
          handleFrame(collab.manager, collab.metrics, doc, peer, data);
        });
        ws.on("close", () => {
          peers.delete(peer);
          collab.manager.leave(doc, peer);
          held.release();
          void slot.close();
        });
        ws.on("error", () => ws.terminate());
        collab.manager.join(doc, peer);
        collab.manager.release(doc);
      });
    } finally {
      if (!handedOver) {
        hold?.release();
        void slot.close();
      }
    }
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
    if (closing) {
      // Still listening after close(): an upgrade nobody answers would hold the HTTP server open.
      refuse(socket, new AppError("service_unavailable", "This server is shutting down; reconnect"));
      return;
    }
    pending.add(socket);
    socket.once("close", () => pending.delete(socket));
    const token =
      url.searchParams.get("token") ??
      /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1] ??
      null;
    if (!token) {
      refuse(socket, new AppError("unauthorized", "Pass ?token=<access token or API key>"));
      return;
    }
    const slot = gate.open(`collab:${randomUUID()}`, clientIpOf(request, deps.limits.trustProxy));
    const admitted = slot.enterAnonymous().then((entered) => {
      if (entered) return accept(request, socket, head, match[1]!, token, slot);
      // Transient (an upgrade in flight from the same address): retry in a second.
      refuse(
        socket,
        new AppError("connection_limit", describeRefusal(slot.refusal), undefined, { retryAfterSeconds: 1 }),
      );
    });
    admitted.catch((error: unknown) => {
      void slot.close();
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
      closing = true;
      clearInterval(heartbeat);
      for (const socket of pending) socket.destroy();
      await collab.close();
      for (const peer of peers) peer.ws.terminate();
      wss.close();
    },
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${Math.round(bytes / (1024 * 1024))} MiB`
    : `${Math.round(bytes / 1024)} KiB`;
}
