import type { Socket } from "node:net";
import { API_BASE_PATH, apiRoutes } from "@codepark/protocol/api";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../domain/errors.ts";
import { rawProblemResponse, sendProblem } from "./problems.ts";

/**
 * Errors Fastify answers before any route or error handler runs (a URL that does not decode),
 * as problem+json like every other error.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const problem =
    error.code === "FST_ERR_BAD_URL"
      ? new AppError("invalid_url", "The URL is not valid percent-encoded UTF-8")
      : new AppError("bad_request", error.message);
  void sendProblem(reply, problem);
}

/**
 * Errors Node's HTTP parser raises on a connection before a request exists: headers (or the URL)
 * past the size limit, a request that never finished arriving, garbage. Answered with problem+json
 * on the raw socket, then the connection is closed (as Node and Fastify do).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const appError =
    error.code === "HPE_HEADER_OVERFLOW"
      ? new AppError("headers_too_large", "The request's headers or URL exceed the server's limit")
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new AppError("request_timeout")
        : new AppError("bad_request", "The request could not be parsed as HTTP");
  if (socket.writable) socket.write(rawProblemResponse(appError));
  socket.destroy(error);
}

interface KnownPath {
  pattern: RegExp;
  method: string;
}

/** Every REST path the contracts declare, as a pattern, with its method. */
const knownPaths: KnownPath[] = Object.values(apiRoutes).flatMap((area) =>
  Object.values(area).map((route) => ({
    method: route.method,
    pattern: new RegExp(
      `^${API_BASE_PATH}${route.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+")}/?$`,
    ),
  })),
);

/**
 * A known path asked with a method it does not take: 405 with `Allow` (RFC 9110 §15.5.6), where a
 * router alone answers 404. Null when no route has the path.
 */
export function methodNotAllowed(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  const path = request.url.split("?")[0]!;
  const methods = new Set(
    knownPaths.filter((known) => known.pattern.test(path)).map((known) => known.method),
  );
  if (methods.size === 0 || methods.has(request.method)) return null;
  if (methods.has("GET")) methods.add("HEAD");
  const allow = [...methods].sort().join(", ");
  reply.header("allow", allow);
  return sendProblem(
    reply,
    new AppError("method_not_allowed", `${request.method} is not allowed on ${path}; use ${allow}`),
    path,
  );
}

/**
 * Strict-Transport-Security only on responses that went out over HTTPS (directly, or behind a
 * trusted proxy that says so in X-Forwarded-Proto): over plain HTTP the header is meaningless and
 * a browser must ignore it (RFC 6797 §7.2).
 */
export function hstsOverHttps(request: FastifyRequest, reply: FastifyReply): void {
  if (request.protocol === "https") {
    reply.header("strict-transport-security", "max-age=15552000; includeSubDomains");
  }
}
