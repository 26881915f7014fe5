import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Each WebSocket endpoint (collaboration, Socket.IO) answers upgrades on its own path and leaves
 * the rest alone; this answers everything else with 404 instead of leaving the socket hanging.
 */
export function refuseUnknownUpgrades(httpServer: HttpServer, ownedPrefixes: readonly string[]): void {
  httpServer.on("upgrade", (request: IncomingMessage, socket: Duplex) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (ownedPrefixes.some((prefix) => path.startsWith(prefix))) return;
    socket.on("error", () => socket.destroy());
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
}
