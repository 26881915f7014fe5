import type { FastifyRequest } from "fastify";
import { AppError } from "../../domain/errors.ts";

const MAX_DEPTH = 64;

/** Finds the first string PostgreSQL cannot store as text: one holding U+0000 or a lone surrogate. */
function findUnstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === "string") {
    return value.includes("\u0000") || !value.isWellFormed() ? path : undefined;
  }
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = findUnstorable(key, path, depth + 1) ?? findUnstorable(child, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate would be silently replaced on the way
 * in. Rather than fail in the driver (500) or change data, every request is checked once, before
 * validation, and refused with a clear 400.
 */
export async function refuseUnstorableText(request: FastifyRequest): Promise<void> {
  // Unknown routes answer 404 whatever their URL holds; static file names never reach the database.
  if (request.routeOptions.url === undefined || request.routeOptions.url === "/*") return;
  const where =
    findUnstorable(request.body, "body") ??
    findUnstorable(request.query, "query") ??
    findUnstorable(request.params, "params");
  if (where) {
    throw new AppError(
      "validation_failed",
      "Text may not contain NUL (U+0000) or unpaired surrogate characters",
      [{ path: where, message: "contains NUL or an unpaired surrogate" }],
    );
  }
}
