import * as Y from "yjs";

const REPLACEMENT = "\uFFFD";

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** The live item holding `clock` of `client`, or null when the document does not have it. */
function structAt(doc: Y.Doc, client: number, clock: number): Y.Item | Y.GC | null {
  const structs = doc.store.clients.get(client);
  if (!structs || clock >= Y.getState(doc.store, client)) return null;
  return structs[Y.findIndexSS(structs, clock)] ?? null;
}

/** A string item in the text's sequence (not a map-style entry on the type, which toString ignores). */
function isTextItem(struct: unknown, text: Y.Text): struct is Y.Item & { content: Y.ContentString } {
  return (
    struct instanceof Y.Item &&
    struct.parent === text &&
    struct.parentSub === null &&
    struct.content instanceof Y.ContentString
  );
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * The UTF-8 size of a document's "content" text, kept up to date per transaction in O(changes)
 * rather than measured (Y.Text#toString is O(items): tens of milliseconds on a fragmented 1 MB file).
 * Counts inserted and deleted string items; a split inside a surrogate pair (Yjs then writes
 * U+FFFD on both sides, 4 bytes becoming 6) is counted too. Only a split between two genuine
 * U+FFFD is ambiguous: it is counted as if it grew and the figure marked inexact until measured.
 */
export class TextSize {
  #bytes = 0;
  #exact = true;

  constructor(
    private readonly doc: Y.Doc,
    private readonly text: Y.Text,
  ) {
    // Before Yjs garbage-collects deleted content or merges items again (both after this event).
    doc.on("afterTransaction", (transaction: Y.Transaction) => this.#observe(transaction));
  }

  /** An upper bound on the text's size, equal to it unless `exact` is false. */
  get bytes(): number {
    return this.#bytes;
  }

  get exact(): boolean {
    return this.#exact;
  }

  /** The exact size (measures the text only after an ambiguous split). */
  measure(): number {
    if (!this.#exact) {
      this.#bytes = utf8(this.text.toString());
      this.#exact = true;
    }
    return this.#bytes;
  }

  #observe(transaction: Y.Transaction): void {
    const { beforeState, afterState, deleteSet } = transaction;
    let change = 0;
    // New items: they start at the client's previous clock and are not merged with older ones yet.
    for (const [client, after] of afterState) {
      const before = beforeState.get(client) ?? 0;
      if (after === before) continue;
      const structs = this.doc.store.clients.get(client)!;
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const struct = structs[i]!;
        if (isTextItem(struct, this.text) && !struct.deleted) change += utf8(struct.content.str);
      }
    }
    // Deleted items that existed before (items made and deleted in this transaction were never counted).
    for (const [client, ranges] of deleteSet.clients) {
      const before = beforeState.get(client) ?? 0;
      const structs = this.doc.store.clients.get(client);
      if (!structs) continue;
      for (const range of ranges) {
        const end = Math.min(range.clock + range.len, before);
        if (range.clock >= end) continue;
        for (let i = Y.findIndexSS(structs, range.clock); i < structs.length; i++) {
          const struct = structs[i]!;
          if (struct.id.clock >= end) break;
          if (!isTextItem(struct, this.text)) continue;
          const str = struct.content.str;
          const from = Math.max(0, range.clock - struct.id.clock);
          const to = Math.min(str.length, end - struct.id.clock);
          change -= utf8(str) - utf8(str.slice(0, from)) - utf8(str.slice(to));
        }
      }
    }
    // Splits: the right halves are listed; a surrogate pair cut in two became two U+FFFD.
    // (Items made in this transaction were counted as they are now, halves included.)
    for (const right of transaction._mergeStructs) {
      if (!isTextItem(right, this.text) || !right.content.str.startsWith(REPLACEMENT)) continue;
      if (right.id.clock >= (beforeState.get(right.id.client) ?? 0)) continue;
      const left = structAt(this.doc, right.id.client, right.id.clock - 1);
      if (!isTextItem(left, this.text) || !left.content.str.endsWith(REPLACEMENT)) continue;
      // Either a cut pair (4 bytes became 3 + 3, whichever halves were then deleted) or two genuine
      // U+FFFD (no change): count the larger and measure when the exact figure is asked for.
      change += 2;
      this.#exact = false;
    }
    this.#bytes += change;
  }
}

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/** An update's own structs by client, in clock order (as decodeUpdate lists them), built on first use. */
class UpdateIndex {
  #byClient: Map<number, (Y.Item | Y.GC)[]> | null = null;

  constructor(private readonly decoded: Decoded) {}

  find(id: Y.ID): Y.Item | Y.GC | null {
    if (!this.#byClient) {
      this.#byClient = new Map();
      for (const struct of this.decoded.structs) {
        if (struct instanceof Y.Skip) continue;
        const list = this.#byClient.get(struct.id.client);
        if (list) list.push(struct);
        else this.#byClient.set(struct.id.client, [struct]);
      }
    }
    const list = this.#byClient.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const struct = list[middle]!;
      if (id.clock < struct.id.clock) high = middle - 1;
      else if (id.clock >= struct.id.clock + struct.length) low = middle + 1;
      else return struct;
    }
    return null;
  }
}

/** The item holding an id: in the document, else among the update's own structs. */
function itemAt(doc: Y.Doc, update: UpdateIndex, id: Y.ID): Y.Item | null {
  const struct = structAt(doc, id.client, id.clock) ?? update.find(id);
  return struct instanceof Y.Item ? struct : null;
}

/** Whether an insertion next to `id` (after it: `side` 0, before it: `side` -1) cuts a surrogate pair. */
function cutsPair(doc: Y.Doc, update: UpdateIndex, id: Y.ID | null, side: 0 | -1): boolean {
  if (!id) return false;
  const item = itemAt(doc, update, id);
  if (!item || !(item.content instanceof Y.ContentString)) return false;
  const offset = id.clock - item.id.clock + side;
  const str = item.content.str;
  return offset >= 0 && offset < str.length - 1 && isHighSurrogate(str.charCodeAt(offset));
}

/**
 * At most how many bytes an update can add to the live text of `doc` once applied: the strings it
 * inserts that the document lacks, plus 2 for each place an insertion would cut a surrogate pair.
 * Strings of any type are counted (a conservative bound).
 */
export function growthBound(doc: Y.Doc, decoded: Decoded): number {
  const update = new UpdateIndex(decoded);
  let growth = 0;
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue;
    if (struct.id.clock + struct.length <= Y.getState(doc.store, struct.id.client)) continue;
    growth += utf8(struct.content.str);
    if (cutsPair(doc, update, struct.origin, 0)) growth += 2;
    if (cutsPair(doc, update, struct.rightOrigin, -1)) growth += 2;
  }
  return growth;
}

/** How many bytes of the live text `deletions` remove (ranges the document does not hold count 0). */
export function deletedBytes(doc: Y.Doc, text: Y.Text, deletions: Decoded["ds"]): number {
  let removed = 0;
  for (const [client, ranges] of deletions.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    const state = Y.getState(doc.store, client);
    for (const range of ranges) {
      const end = Math.min(range.clock + range.len, state);
      if (range.clock >= end) continue;
      for (let i = Y.findIndexSS(structs, range.clock); i < structs.length; i++) {
        const struct = structs[i]!;
        if (struct.id.clock >= end) break;
        if (!isTextItem(struct, text) || struct.deleted) continue;
        const str = struct.content.str;
        const from = Math.max(0, range.clock - struct.id.clock);
        const to = Math.min(str.length, end - struct.id.clock);
        // What stays, with a cut pair's halves as U+FFFD (3 bytes each, as Buffer counts a lone half).
        removed += utf8(str) - utf8(str.slice(0, from)) - utf8(str.slice(to));
      }
    }
  }
  return removed;
}
