import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";

/** Query parameters that carry credentials (the collaboration socket takes ?token=). */
const SECRET_QUERY = /([?&](?:token|access_token|key)=)[^&]*/gi;

export function redactUrl(url: string): string {
  // Most URLs have no query: no regex run for them (one per request line).
  return url.includes("?") ? url.replace(SECRET_QUERY, "$1[redacted]") : url;
}

const CENSORED = "[redacted]";

/**
 * A log object with any `password` or `token` one level down (`{ body: { password } }`) censored:
 * what pino's path redaction (`*.password`, `*.token`) did, without its cost — redaction took
 * ~3.3 µs of a ~4.7 µs request line, cloning the logged objects on every line. Nothing is copied
 * unless something is censored. (Errors are left to pino's `err` serializer.)
 */
export function censorSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let censored: Record<string, unknown> | undefined;
  for (const key in object) {
    const value = object[key];
    if (value === null || typeof value !== "object" || value instanceof Error) continue;
    const password = Object.hasOwn(value, "password");
    const token = Object.hasOwn(value, "token");
    if (!password && !token) continue;
    censored ??= { ...object };
    censored[key] = {
      ...value,
      ...(password ? { password: CENSORED } : {}),
      ...(token ? { token: CENSORED } : {}),
    };
  }
  return censored ?? object;
}

/**
 * pino options: JSON lines, credentials never written. Request lines carry only the fields the `req`
 * serializer picks (no headers: neither `authorization` nor `cookie`; credentials in the URL's query
 * redacted) and the status (Fastify's `res` serializer); bodies are never logged; any other logged
 * object has its `password` and `token` censored (censorSecrets).
 */
export function loggerOptions(
  level: string,
  stream?: { write(line: string): void },
): FastifyServerOptions["logger"] {
  return {
    level,
    ...(stream ? { stream } : {}),
    formatters: { log: censorSecrets },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; headers: Record<string, unknown> }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
        userAgent: req.headers["user-agent"],
      }),
    },
  };
}

/**
 * One log line per request, when it completes: `request completed` with the request (method,
 * redacted URL, address, user agent), the status and the response time, under the request's
 * `reqId`; `request errored` at error level for a request whose response failed. Fastify's default
 * writes two lines per request ("incoming request" first), which at info doubled the logging cost
 * of a cheap request (serialization, redaction and a write each).
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        "request errored",
      );
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, "request completed");
    }
  }
}
