import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from "fastify";

/** Query parameters that carry credentials (the collaboration socket takes ?token=). */
const SECRET_QUERY = /([?&](?:token|access_token|key)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, "$1[redacted]");
}

/** pino options: JSON lines, credentials never written. Fastify does not log bodies. */
export function loggerOptions(
  level: string,
  stream?: { write(line: string): void },
): FastifyServerOptions["logger"] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'res.headers["set-cookie"]',
        "*.password",
        "*.token",
      ],
      censor: "[redacted]",
    },
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
