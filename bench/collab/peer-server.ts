/**
 * One of the servers CodePark is compared with, as its own process (so its CPU and RSS are its
 * own), on 127.0.0.1 and an ephemeral port. Prints `peer listening on <port>` once it accepts.
 *
 *   relay               a bare `ws` relay: every frame from a connection is forwarded verbatim to
 *                       the other connections of the same room (URL path); it answers nothing and
 *                       does no Yjs work (the floor any server can reach with these clients)
 *   y-websocket-server  @y/websocket-server's setupWSConnection, in memory (no YPERSISTENCE)
 *   hocuspocus          @hocuspocus/server with no extensions: nothing is stored
 *   hocuspocus-database @hocuspocus/server with @hocuspocus/extension-database at Hocuspocus's
 *                       default debounce (a store 2 s after a document's last change, at least
 *                       every 10 s while it keeps changing); its `store` writes the document's
 *                       whole state to a file of its own in <dir> (a temporary file renamed over
 *                       the old one, no fsync: like CodePark's journal, it survives the process
 *                       being killed, not the machine losing power). Answers "store-counters"
 *                       over IPC (StoreCounters).
 *
 * Usage: node --import tsx bench/collab/peer-server.ts <relay|y-websocket-server|hocuspocus>
 *        node --import tsx bench/collab/peer-server.ts hocuspocus-database <dir>
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { Extension } from "@hocuspocus/server";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { PEER_SERVERS, type PeerTarget, type StoreCounters, type ToStoreCounters } from "./shared.ts";

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

async function startHocuspocus(extensions: Extension[] = []): Promise<Running> {
  const { Server: HocuspocusServer } = await import("@hocuspocus/server");
  const server = new HocuspocusServer({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    stopOnSignals: false,
    extensions,
  });
  await server.listen();
  return { port: server.address.port, close: () => server.destroy() };
}

/**
 * Hocuspocus with its database extension storing each document's state in a file in `dir`, and
 * the bookkeeping that says how many of the updates it applied a completed store covers: a store
 * covers every update applied before the extension encoded the state it writes (the same tick
 * `store` is called in).
 */
async function startHocuspocusDatabase(dir: string | undefined): Promise<Running> {
  if (!dir) throw new Error("usage: peer-server.ts hocuspocus-database <dir>");
  const { Database } = await import("@hocuspocus/extension-database");
  const fileOf = (documentName: string) => join(dir, `${encodeURIComponent(documentName)}.bin`);
  const applied = new Map<string, number>();
  const covered = new Map<string, number>();
  const counters: StoreCounters = {
    updatesApplied: 0,
    updatesStored: 0,
    stores: 0,
    storeBytes: 0,
    storeMs: 0,
  };
  let temporaries = 0;
  const counting: Extension = {
    async onChange({ documentName }) {
      applied.set(documentName, (applied.get(documentName) ?? 0) + 1);
      counters.updatesApplied++;
    },
  };
  const database = new Database({
    async fetch({ documentName }) {
      try {
        return await readFile(fileOf(documentName));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async store({ documentName, state }) {
      const upTo = applied.get(documentName) ?? 0;
      const started = performance.now();
      const file = fileOf(documentName);
      const temporary = `${file}.${temporaries++}.tmp`;
      await writeFile(temporary, state);
      await rename(temporary, file);
      counters.storeMs += performance.now() - started;
      counters.stores++;
      counters.storeBytes += state.byteLength;
      const before = covered.get(documentName) ?? 0;
      if (upTo > before) {
        covered.set(documentName, upTo);
        counters.updatesStored += upTo - before;
      }
    },
  });
  process.on("message", (message: ToStoreCounters) => {
    if (message?.type === "store-counters")
      process.send?.({ ...counters, type: "store-counters", id: message.id });
  });
  return startHocuspocus([counting, database]);
}

async function main(): Promise<void> {
  const target = process.argv[2] as PeerTarget | undefined;
  if (!target || !PEER_SERVERS.includes(target)) {
    throw new Error(`usage: peer-server.ts <${PEER_SERVERS.join("|")}>`);
  }
  const running =
    target === "relay"
      ? await startRelay()
      : target === "y-websocket-server"
        ? await startYWebsocketServer()
        : target === "hocuspocus"
          ? await startHocuspocus()
          : await startHocuspocusDatabase(process.argv[3]);
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
