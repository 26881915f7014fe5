/**
 * One of the servers CodePark is compared with, as its own process (so its CPU and RSS are its
 * own), on 127.0.0.1 and an ephemeral port. Prints `peer listening on <port>` once it accepts.
 *
 *   relay               a bare `ws` relay: every frame from a connection is forwarded verbatim to
 *                       the other connections of the same room (URL path); it answers nothing and
 *                       does no Yjs work (the floor any server can reach with these clients)
 *   y-websocket-server  @y/websocket-server's setupWSConnection, in memory (no YPERSISTENCE)
 *   hocuspocus          @hocuspocus/server with no extensions: nothing is stored
 *
 * Usage: node --import tsx bench/collab/peer-server.ts <relay|y-websocket-server|hocuspocus>
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { PEER_TARGETS, type PeerTarget } from "./shared.ts";

interface Running {
  port: number;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address === "string") reject(new Error("no TCP port"));
      else resolve(address.port);
    });
  });
}

function closeHttp(server: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  wss.close();
  return new Promise((resolve) => server.close(() => resolve()));
}

function upgradeTo(wss: WebSocketServer) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  };
}

async function startRelay(): Promise<Running> {
  const rooms = new Map<string, Set<WebSocket>>();
  const server = createServer((_request, response) => response.end("relay"));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on("upgrade", upgradeTo(wss));
  wss.on("connection", (ws: WebSocket, request: IncomingMessage) => {
    const room = (request.url ?? "/").split("?")[0]!;
    let members = rooms.get(room);
    if (!members) {
      members = new Set();
      rooms.set(room, members);
    }
    const peers = members;
    peers.add(ws);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      for (const other of peers) {
        if (other !== ws && other.readyState === 1) other.send(data, { binary: isBinary });
      }
    });
    ws.on("close", () => {
      peers.delete(ws);
      if (peers.size === 0) rooms.delete(room);
    });
    ws.on("error", () => ws.terminate());
  });
  const port = await listen(server);
  return { port, close: () => closeHttp(server, wss) };
}

async function startYWebsocketServer(): Promise<Running> {
  // Imported here so a missing package only fails this target.
  // (Through a variable: the package's export map resolves to plain JS before its types.)
  const specifier = "@y/websocket-server/utils";
  const { setupWSConnection } = (await import(specifier)) as {
    setupWSConnection: (conn: WebSocket, request: IncomingMessage) => void;
  };
  const server = createServer((_request, response) => response.end("okay"));
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", upgradeTo(wss));
  wss.on("connection", (ws: WebSocket, request: IncomingMessage) => setupWSConnection(ws, request));
  const port = await listen(server);
  return { port, close: () => closeHttp(server, wss) };
}

async function startHocuspocus(): Promise<Running> {
  const { Server: HocuspocusServer } = await import("@hocuspocus/server");
  const server = new HocuspocusServer({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    stopOnSignals: false,
  });
  await server.listen();
  return { port: server.address.port, close: () => server.destroy() };
}

async function main(): Promise<void> {
  const target = process.argv[2] as PeerTarget | undefined;
  if (!target || !PEER_TARGETS.includes(target)) {
    throw new Error(`usage: peer-server.ts <${PEER_TARGETS.join("|")}>`);
  }
  const running =
    target === "relay"
      ? await startRelay()
      : target === "y-websocket-server"
        ? await startYWebsocketServer()
        : await startHocuspocus();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3_000);
    force.unref();
    running.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`peer listening on ${running.port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `peer server failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exit(1);
});
