import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { type Editor, openEditor } from "@codepark/testing/collab";
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import * as Y from "yjs";
import { fuzzParameters, storeSalt } from "./fuzz-support.ts";

/** A real full GC, so heap figures compare live objects rather than garbage. */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
/** Several collections a moment apart: memory outside the heap (a stopped server's) is freed late. */
async function settleMemory(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Property-based fuzzing of the y-websocket endpoint: raw `ws` clients send arbitrary bytes and
 * mutated valid sync/awareness frames. Whatever they send, the server stays up, only the sender's
 * connection may be closed (with one of the documented codes), an unmodified y-websocket client
 * connected alongside is never disturbed and converges with a fresh one, and the heap stays flat.
 */

const MAX_DOCUMENT = 256 * 1024;
/** Codes a fuzzing sender may be closed with: malformed, size limits, and ws's own 1009 (too big). */
const SENDER_CODES = new Set([4400, 4413, 1008, 1009]);

const varUintFrame = (parts: (e: encoding.Encoder) => void) => {
  const encoder = encoding.createEncoder();
  parts(encoder);
  return encoding.toUint8Array(encoder);
};

/** A real Yjs update from a scratch client: an insert (maybe a deletion) in "content" or elsewhere. */
const yjsUpdate = fc
  .record({
    clientId: fc.integer({ min: 1, max: 2 ** 31 }),
    text: fc.string({ unit: "grapheme", maxLength: 20 }),
    deleteSome: fc.boolean(),
    typeName: fc.constantFrom("content", "content", "other"),
  })
  .map(({ clientId, text, deleteSome, typeName }) => {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    const updates: Uint8Array[] = [];
    doc.on("update", (update: Uint8Array) => updates.push(update));
    doc.getText(typeName).insert(0, text || "x");
    if (deleteSome) doc.getText(typeName).delete(0, 1);
    doc.destroy();
    return Y.mergeUpdates(updates);
  });

const syncFrame = (type: number, payload: Uint8Array) =>
  varUintFrame((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, type);
    encoding.writeVarUint8Array(e, payload);
  });

const awarenessFrame = fc
  .array(
    fc.record({
      clientId: fc.nat(),
      clock: fc.nat(),
      state: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
        fc.constantFrom(
          "null",
          "{",
          '{"user":{"name":"\u202Eevil","color":"#000"}}',
          '{"__proto__":{"x":1}}',
        ),
      ),
    }),
    { maxLength: 5 },
  )
  .map((entries) =>
    varUintFrame((e) => {
      encoding.writeVarUint(e, 1);
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, entries.length);
      for (const entry of entries) {
        encoding.writeVarUint(inner, entry.clientId);
        encoding.writeVarUint(inner, entry.clock);
        encoding.writeVarString(inner, entry.state);
      }
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    }),
  );

const validFrame = fc.oneof(
  fc.uint8Array({ maxLength: 32 }).map((stateVector) => syncFrame(0, stateVector)),
  fc.constant(syncFrame(0, Y.encodeStateVector(new Y.Doc()))),
  yjsUpdate.map((update) => syncFrame(2, update)),
  yjsUpdate.map((update) => syncFrame(1, update)),
  awarenessFrame,
  fc.constant(Uint8Array.of(3)),
  fc.constant(Uint8Array.of(2, 0)),
);

/** A valid frame, damaged: bytes flipped, cut short, padded, spliced, or its length prefix lied about. */
const mutatedFrame = fc
  .record({
    frame: validFrame,
    flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    tail: fc.uint8Array({ maxLength: 16 }),
  })
  .map(({ frame, flips, cut, tail }) => {
    const bytes = Uint8Array.from(frame);
    for (const flip of flips) if (bytes.length > 0) bytes[flip.at % bytes.length] = flip.value;
    const kept = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
    return Uint8Array.from([...kept, ...tail]);
  });

const frame = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1_000, maxLength: 20_000 }) },
  { weight: 3, arbitrary: validFrame },
  { weight: 5, arbitrary: mutatedFrame },
);

/** Valid frames first (so a session gets past the first check), then maybe hostile ones. */
const session = fc
  .tuple(fc.array(validFrame, { maxLength: 4 }), fc.array(frame, { maxLength: 2 }))
  .map(([valid, hostile]) => [...valid, ...hostile])
  .filter((frames) => frames.length > 0);

describe.each(testStores())("y-websocket frame fuzzing on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let fileId: string;
  let fileUrl: string;
  let bystander: Editor;

  beforeAll(async () => {
    server = await startTestServer(store, {
      COLLAB_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT),
      MAX_FILE_BYTES: String(64 * 1024),
    });
    owner = await registerUser(server.api, "Fuzz Owner");
    const project = await server.api.post("/api/v1/projects", { name: "Frames" }, owner.accessToken);
    const base = `/api/v1/projects/${project.body.id}`;
    const file = await server.api.post(
      `${base}/files`,
      { path: "f.txt", content: "seed" },
      owner.accessToken,
    );
    fileId = file.body.id;
    fileUrl = `${base}/files/${fileId}`;
    bystander = openEditor(server.baseUrl, fileId, owner.accessToken);
    bystander.provider.awareness.setLocalStateField("user", { name: "bystander" });
    await bystander.synced();
  });
  const closes = new Map<number | null, number>();
  afterAll(async () => {
    if (process.env.FUZZ_STATS) {
      console.log("closes", [...closes]);
      for (const line of server.logs) if (/"level":(40|50)/.test(line)) console.log(line.slice(0, 300));
    }
    bystander?.destroy();
    await server?.stop();
  });

  /**
   * One connection: sends the frames, then a ping. ws answers a ping after handling every frame
   * before it, and not at all once it closed the socket: so pong or close ends the exchange.
   */
  function exchange(frames: Uint8Array[]): Promise<{ closed: number | null }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `${server.baseUrl.replace(/^http/, "ws")}/collab/${fileId}?token=${owner.accessToken}`,
      );
      const timer = setTimeout(() => reject(new Error("no pong and no close within 10 s")), 10_000);
      let ended = false;
      const finish = (closed: number | null) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (closed === null) {
          ws.once("close", () => resolve({ closed }));
          ws.close();
        } else resolve({ closed });
      };
      ws.on("open", () => {
        for (const data of frames) ws.send(data);
        ws.ping();
      });
      ws.on("pong", () => finish(null));
      ws.on("close", (code) => finish(code));
      ws.on("error", () => {});
    });
  }

  const runSessions = (runs: number) =>
    fc.assert(
      fc.asyncProperty(session, async (frames) => {
        const { closed } = await exchange(frames);
        if (process.env.FUZZ_STATS) closes.set(closed, (closes.get(closed) ?? 0) + 1);
        if (closed !== null) expect(SENDER_CODES, `closed with ${closed}`).toContain(closed);
        expect(bystander.closes).toEqual([]);
      }),
      // A different seed per batch: the warm-up and the measured runs send different frames.
      fuzzParameters(runs, storeSalt(store) + runs),
    );

  it("closes at most the sender, never disturbs another client, and stays up", async () => {
    await runSessions(100);
    expect((await server.api.get("/healthz")).status).toBe(200);
    // The bystander still edits, and a fresh client converges with it.
    bystander.text.insert(0, "still here:");
    const fresh = openEditor(server.baseUrl, fileId, owner.accessToken);
    try {
      await fresh.synced();
      await waitFor(
        () =>
          fresh.text.toString() === bystander.text.toString() &&
          fresh.text.toString().startsWith("still here:"),
        5_000,
        "a fresh client converges with the bystander",
      );
      await server.app.ctx.collab.manager.drain();
      const rest = await server.api.get(fileUrl, owner.accessToken);
      expect(rest.body.content).toBe(bystander.text.toString());
      expect(rest.body.size).toBe(Buffer.byteLength(rest.body.content, "utf8"));
    } finally {
      fresh.destroy();
    }
    expect(bystander.closes).toEqual([]);
  }, 120_000);

  it("keeps memory flat across many fuzzed connections", async () => {
    await runSessions(30); // warm-up: code paths compiled, pools filled
    await settleMemory();
    // The JS heap and what lives outside it (Buffers, ArrayBuffers: frames and updates).
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().external;
    const before = used();
    await runSessions(200);
    await settleMemory();
    const growth = used() - before;
    console.log(`memory growth over 200 fuzzed connections on ${store}: ${(growth / 1024).toFixed(0)} KiB`);
    // Generous: accepted updates legitimately grow the document (measured: about 1 MiB in all);
    // a leak of 100 KiB per connection would exceed it (checked with a deliberate one).
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    expect(bystander.closes).toEqual([]);
  }, 120_000);
});
