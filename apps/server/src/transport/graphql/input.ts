import { pageQuery } from "@codepark/protocol/api";
import type { z } from "zod";
import { AppError } from "../../domain/errors.ts";

/**
 * Validates GraphQL arguments with the same zod schemas REST validates bodies and queries with, so
 * a rule (a name's length, no bidi controls, a page's bounds) is written once; a refusal is the same
 * `validation_failed` with its paths.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = "input"): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

/** `limit`/`cursor` arguments, bounded as REST's ?limit&cursor (1–100, default 20). */
export function pageArgs(args: { limit?: number | null; cursor?: string | null }) {
  return parseInput(
    pageQuery,
    {
      ...(args.limit != null ? { limit: args.limit } : {}),
      ...(args.cursor != null ? { cursor: args.cursor } : {}),
    },
    "args",
  );
}

/** GraphQL sends absent optional arguments as undefined and explicit ones possibly as null: both mean "not given". */
export function defined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}
