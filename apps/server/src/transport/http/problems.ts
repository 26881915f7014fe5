import { STATUS_CODES } from "node:http";
import type { ErrorCode } from "@codepark/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, toProblem } from "../../domain/errors.ts";

/** Fastify's own request errors, each given a stable code of ours. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad_request",
  FST_ERR_NOT_FOUND: "route_not_found",
};

function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? "body";
    const errors = error.validation.map((issue) => ({
      path: `${where}${issue.instancePath.replace(/\//g, ".")}`,
      message: issue.message ?? "is invalid",
    }));
    const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    return new AppError("validation_failed", summary, errors);
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped === "invalid_json") return new AppError("invalid_json", "The request body is not valid JSON");
  if (mapped) return new AppError(mapped);
  if (error instanceof SyntaxError && error.statusCode === 400) return new AppError("invalid_json");
  // Any other client error Fastify raised: keep its status class, never its stack.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode === 413 ? "payload_too_large" : "bad_request", error.message);
  }
  return new AppError("internal", "Something went wrong on our side; it has been logged");
}

/**
 * A whole HTTP/1.1 problem+json response as text, for a raw socket that has no Fastify reply (a
 * parse error, a refused connection or upgrade); the connection is to be closed after it.
 */
export function rawProblemResponse(error: AppError): string {
  const body = JSON.stringify(toProblem(error));
  const retry = error.retryAfterSeconds === undefined ? "" : `Retry-After: ${error.retryAfterSeconds}\r\n`;
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\n` +
    `Content-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `${retry}Connection: close\r\n\r\n${body}`
  );
}

export function sendProblem(reply: FastifyReply, error: AppError, instance?: string) {
  if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
  return reply
    .code(error.status)
    .header("content-type", "application/problem+json; charset=utf-8")
    .send(toProblem(error, instance));
}

/** Every error leaves as problem+json with a stable code; 5xx are logged with their stack, 4xx are not. */
export function installProblemHandlers(
  app: FastifyInstance,
  fallback: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null = () => null,
): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, "request failed");
    return sendProblem(reply, appError, request.url.split("?")[0]);
  });
  app.setNotFoundHandler(
    (request, reply) =>
      fallback(request, reply) ??
      sendProblem(
        reply,
        new AppError("route_not_found", `No route ${request.method} ${request.url.split("?")[0]}`),
      ),
  );
}
