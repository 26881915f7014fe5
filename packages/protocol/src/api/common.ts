import { z } from "zod";

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "must be an id");
export const isoDate = z.string().describe("ISO-8601 UTC timestamp");

/**
 * Bidirectional formatting controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM):
 * in a name or a path they make text display in another order than it is ("Trojan Source",
 * `invoice‮fdp.exe`), so names and paths refuse them. File contents may hold anything.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

/** A string that displays as it reads: no bidirectional controls. */
export function noBidi<T extends z.ZodString>(schema: T) {
  return schema.refine((value) => !BIDI_CONTROLS.test(value), {
    message: "may not contain bidirectional control characters (U+202A–202E, U+2066–2069, U+200E/F, U+061C)",
  });
}

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(1024).optional(),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe("application/problem+json (RFC 9457) with a stable `code`");
