import type { IncomingMessage } from "node:http";

/**
 * The client's address as the HTTP layer (Fastify's request.ip) sees it: the connection's peer, or
 * with TRUST_PROXY the left-most X-Forwarded-For entry (every proxy is trusted, as Fastify's
 * `trustProxy: true` does). For WebSocket upgrades, which never reach Fastify's request object.
 */
export function clientIpOf(request: IncomingMessage, trustProxy: boolean): string {
  const peer = request.socket.remoteAddress ?? "unknown";
  const header = request.headers["x-forwarded-for"];
  if (!trustProxy || typeof header !== "string") return peer;
  for (const entry of header.split(",")) {
    const address = entry.trim();
    if (address) return address;
  }
  return peer;
}
