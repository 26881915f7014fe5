import * as Y from "yjs";

/** Applies an update, reporting instead of throwing: one bad entry must not make a document unloadable. */
export function applySafely(ydoc: Y.Doc, update: Uint8Array, origin?: unknown): boolean {
  try {
    Y.applyUpdate(ydoc, update, origin);
    return true;
  } catch {
    return false;
  }
}
