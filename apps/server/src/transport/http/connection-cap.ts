import type { Server } from "node:http";
import type { Socket } from "node:net";
import { AppError } from "../../domain/errors.ts";
import { rawProblemResponse } from "./problems.ts";

/**
 * At most `limit` open TCP connections per peer address (HTTP keep-alive and WebSocket alike): one
 * more gets a 429 problem and is closed at once, before Node parses anything. The peer is the TCP
 * one — behind a load balancer that is the balancer, so there the cap belongs to the balancer
 * (deploy/nginx.conf `limit_conn`) and this one is off by default (docs/security.md).
 */
export function capConnectionsPerIp(server: Server, limit: number, onRefused: () => void): void {
  const open = new Map<string, number>();
  // Before Node's own listener, so the refusal is decided before a parser is attached.
  server.prependListener("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = open.get(address) ?? 0;
    if (count >= limit) {
      onRefused();
      refuse(socket, limit);
      return;
    }
    open.set(address, count + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** Sockets over the cap: a request already on its way over one is dropped, never run (wasRefused). */
const refused = new WeakSet<Socket>();

export function wasRefused(socket: Socket): boolean {
  return refused.has(socket);
}

function refuse(socket: Socket, limit: number): void {
  refused.add(socket);
  const problem = new AppError(
    "rate_limited",
    `Too many open connections from your address (at most ${limit}); close some and retry`,
    undefined,
    { retryAfterSeconds: 1 },
  );
  socket.end(rawProblemResponse(problem));
  // Whatever the client sends meanwhile is not read; the socket goes once the answer is flushed.
  socket.on("error", () => {});
  setTimeout(() => socket.destroy(), 1_000).unref();
}
