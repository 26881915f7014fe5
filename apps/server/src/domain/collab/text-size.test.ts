import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { deletedBytes, growthBound, TextSize } from "./text-size.ts";

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** Text with the characters that matter: 1- to 4-byte ones, surrogate pairs, U+FFFD itself. */
const piece = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("é", "€", "😀", "👩‍💻", "\uFFFD", "\uFFFD\uFFFD", "\u202E", "a😀b"),
  fc.string({ unit: "binary", maxLength: 4 }),
);

type Op =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "sync" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: piece }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "sync" as const }) },
);

/** Two peers edit (positions may cut surrogate pairs); the server doc receives their updates. */
function run(ops: { peer: 0 | 1; op: Op }[]) {
  const server = new Y.Doc({ gc: true });
  const text = server.getText("content");
  const size = new TextSize(server, text);
  const peers = [new Y.Doc(), new Y.Doc()];
  const checks: { before: number; bound: number; after: number }[] = [];
  const deliver = (update: Uint8Array) => {
    const decoded = Y.decodeUpdate(update);
    const before = utf8(text.toString());
    const bound = before + growthBound(server, decoded) - deletedBytes(server, text, decoded.ds);
    Y.applyUpdate(server, update);
    checks.push({ before, bound, after: utf8(text.toString()) });
  };
  for (const { peer, op } of ops) {
    const doc = peers[peer]!;
    const peerText = doc.getText("content");
    if (op.kind === "sync") {
      const other = peers[1 - peer]!;
      Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
      continue;
    }
    const captured: Uint8Array[] = [];
    const onUpdate = (update: Uint8Array) => captured.push(update);
    doc.on("update", onUpdate);
    if (op.kind === "insert") peerText.insert(op.at % (peerText.length + 1), op.text);
    else if (peerText.length > 0) {
      const at = op.at % peerText.length;
      peerText.delete(at, Math.min(op.length, peerText.length - at));
    }
    doc.off("update", onUpdate);
    for (const update of captured) deliver(update);
  }
  return { server, text, size, checks };
}

const scenario = fc.array(fc.record({ peer: fc.constantFrom(0 as const, 1 as const), op }), {
  maxLength: 60,
});

describe("text size accounting", () => {
  it("counts the live text's UTF-8 bytes through inserts, deletes and surrogate cuts", () => {
    fc.assert(
      fc.property(scenario, (ops) => {
        const { text, size } = run(ops);
        const actual = utf8(text.toString());
        if (size.exact) expect(size.bytes).toBe(actual);
        else expect(size.bytes).toBeGreaterThanOrEqual(actual);
        expect(size.measure()).toBe(actual);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it("bounds what an update can add: after ≤ before + growthBound − deletedBytes", () => {
    fc.assert(
      fc.property(scenario, (ops) => {
        for (const check of run(ops).checks) expect(check.after).toBeLessThanOrEqual(check.bound);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it("is exact for a replacement of the whole text (what a REST write at the limit sends)", () => {
    const server = new Y.Doc();
    const text = server.getText("content");
    text.insert(0, "€".repeat(100));
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
    const captured: Uint8Array[] = [];
    copy.on("update", (update: Uint8Array) => captured.push(update));
    copy.transact(() => {
      const target = copy.getText("content");
      target.delete(0, target.length);
      target.insert(0, "😀".repeat(75));
    });
    const decoded = Y.decodeUpdate(Y.mergeUpdates(captured));
    expect(300 + growthBound(server, decoded) - deletedBytes(server, text, decoded.ds)).toBe(300);
  });

  it("counts a surrogate pair cut in two as the two U+FFFD Yjs leaves", () => {
    const server = new Y.Doc();
    const text = server.getText("content");
    const size = new TextSize(server, text);
    text.insert(0, "a😀b");
    expect(size.bytes).toBe(6);
    text.insert(2, "x"); // between the halves of the pair
    expect(text.toString()).toBe("a\uFFFDx\uFFFDb");
    expect(size.bytes).toBeGreaterThanOrEqual(utf8(text.toString()));
    expect(size.measure()).toBe(9);
  });
});
