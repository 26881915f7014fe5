import { AppError } from "./errors.ts";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Queries fetch `limit + 1` rows; the extra row only tells whether another page exists.
 * The cursor is the sort key of the last row returned.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  present: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(present),
    nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null,
  };
}

/** Cursors that carry a text key (e.g. a file path) are base64url; anything that does not round-trip is refused. */
export function encodeTextCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

export function decodeTextCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (encodeTextCursor(key) !== cursor || key.includes("\u0000")) {
    throw new AppError("validation_failed", "The cursor is not one this list returned", [
      { path: "query.cursor", message: "unknown cursor" },
    ]);
  }
  return key;
}
