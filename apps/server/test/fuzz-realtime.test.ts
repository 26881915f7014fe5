import { clientToServerEventNames } from "@codepark/protocol";
import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { type Client, connectClient } from "@codepark/testing/realtime";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { fuzzParameters, nastyStrings, storeSalt } from "./fuzz-support.ts";

/**
 * Property-based fuzzing of the Socket.IO gateway: a real socket.io-client emits arbitrary event
 * names with arbitrary payloads (and damaged versions of valid ones, with and without an
 * acknowledgement), and a raw WebSocket sends arbitrary Socket.IO packets. The server stays up,
 * answers every acknowledgement it answers with a stable code (never `internal`), and a client
 * joined to the same project and conversation is never disconnected and keeps getting answers.
 */

/** Names socket.io-client refuses to emit (they are its own). */
const RESERVED = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

const eventName = fc.oneof(
  fc.constantFrom(...clientToServerEventNames),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "error", "ping", "message", ""),
  nastyStrings.filter((name) => name.length < 1_000),
);

describe.each(testStores())("Socket.IO event fuzzing on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let observer: Client;
  const ids: Record<string, string> = {};
  const internalAcks: unknown[] = [];

  beforeAll(async () => {
    server = await startTestServer(store);
    owner = await registerUser(server.api, "Fuzz Owner");
    const t = owner.accessToken;
    const project = await server.api.post("/api/v1/projects", { name: "Realtime" }, t);
    ids.projectId = project.body.id;
    const file = await server.api.post(`/api/v1/projects/${ids.projectId}/files`, { path: "a.ts" }, t);
    ids.fileId = file.body.id;
    const message = await server.api.post(`/api/v1/projects/${ids.projectId}/messages`, { body: "hi" }, t);
    ids.messageId = message.body.id;
    ids.conversationId = message.body.conversationId;
    observer = await connectClient(server.baseUrl, t);
    expect((await observer.join(ids.projectId!)).ok).toBe(true);
    expect((await observer.ack("chat:join", { conversationId: ids.conversationId })).ok).toBe(true);
  });
  afterAll(async () => {
    observer?.socket.disconnect();
    await server?.stop();
  });

  /** Valid payloads for the known events, with the ids of real objects. */
  const validPayloads = () => [
    { projectId: ids.projectId },
    { projectId: ids.projectId, status: "active", fileId: ids.fileId },
    { projectId: ids.projectId, fileId: null },
    { conversationId: ids.conversationId },
    { conversationId: ids.conversationId, afterSeq: 0 },
    { conversationId: ids.conversationId, body: "fuzz" },
    { messageId: ids.messageId, body: "edited" },
    { messageId: ids.messageId, emoji: "👍", on: true },
    { conversationId: ids.conversationId, seq: 1 },
  ];

  const payload = () =>
    fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(...validPayloads()),
      fc
        .record({
          base: fc.constantFrom(...validPayloads()),
          value: fc.oneof(nastyStrings, fc.jsonValue({ maxDepth: 2 })),
        })
        .chain(({ base, value }) =>
          fc
            .constantFrom(...Object.keys(base), "__proto__", "extra")
            .map((key) => ({ ...base, [key]: value })),
        ),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(undefined, null, () => {}),
    );

  const emission = () =>
    fc.record({
      name: eventName,
      args: fc.array(payload(), { maxLength: 3 }),
      withAck: fc.boolean(),
    });

  /** Resolves once the socket has answered a round trip, or with "disconnected". */
  function settle(client: Client): Promise<"answered" | "disconnected"> {
    if (!client.socket.connected) return Promise.resolve("disconnected");
    return new Promise((resolve) => {
      client.socket.once("disconnect", () => resolve("disconnected"));
      client.socket
        .timeout(5_000)
        .emitWithAck("project:leave", { projectId: "prj_barrier" })
        .then(
          () => resolve("answered"),
          () => resolve(client.socket.connected ? "answered" : "disconnected"),
        );
    });
  }

  it("keeps the server up and other clients connected, whatever events a client emits", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(emission(), { minLength: 1, maxLength: 5 }), async (emissions) => {
        const sender = await connectClient(server.baseUrl, owner.accessToken);
        try {
          const acks: Promise<unknown>[] = [];
          for (const { name, args, withAck } of emissions) {
            if (RESERVED.has(name)) continue;
            const socket = sender.socket as unknown as {
              emit: (event: string, ...rest: unknown[]) => void;
              timeout: (ms: number) => {
                emitWithAck: (event: string, ...rest: unknown[]) => Promise<unknown>;
              };
            };
            if (withAck) {
              acks.push(
                socket
                  .timeout(2_000)
                  .emitWithAck(name, ...args)
                  .catch(() => null),
              );
            } else socket.emit(name, ...args);
          }
          await settle(sender);
          for (const response of await Promise.all(acks)) {
            const error = (response as { ok?: boolean; error?: { code?: unknown } } | null)?.error;
            if (error && (error.code === "internal" || typeof error.code !== "string"))
              internalAcks.push(response);
          }
        } finally {
          sender.socket.disconnect();
        }
        expect(observer.socket.connected).toBe(true);
      }),
      fuzzParameters(40, storeSalt(store)),
    );
    expect(internalAcks).toEqual([]);
    expect(observer.seen("disconnect")).toEqual([]);
    expect(await settle(observer)).toBe("answered");
    expect((await server.api.get("/healthz")).status).toBe(200);
  }, 120_000);

  it("survives arbitrary Socket.IO packets on a raw WebSocket, closing at most that socket", async () => {
    const wsUrl = `${server.baseUrl.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    const validPacket = fc.oneof(
      fc.constant(`42${JSON.stringify(["project:join", { projectId: ids.projectId }])}`),
      fc.constant(`421${JSON.stringify(["chat:send", { conversationId: ids.conversationId, body: "raw" }])}`),
      fc.constant('451-["chat:send",{"_placeholder":true,"num":0}]'),
      fc.constant("3"),
    );
    const packet = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: "binary", maxLength: 80 }),
      validPacket,
      fc
        .tuple(validPacket, fc.nat(), fc.string({ maxLength: 8 }))
        .map(([valid, at, junk]) => valid.slice(0, at % (valid.length + 1)) + junk),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    /** Handshake, then the packets, then an acknowledged event: its answer or a close ends it. */
    const outcomes = new Map<string, number>();
    const exchange = (packets: (string | Buffer)[]) =>
      new Promise<"answered" | "closed" | "silent">((resolve) => {
        const ws = new WebSocket(wsUrl);
        // Silence is allowed (a packet may leave the parser waiting for a binary attachment that
        // never comes); what is checked is that nobody else is affected.
        const timer = setTimeout(() => end("silent"), 2_000);
        let ended = false;
        const end = (how: "answered" | "closed" | "silent") => {
          if (ended) return;
          ended = true;
          clearTimeout(timer);
          ws.close();
          resolve(how);
        };
        ws.on("message", (data, isBinary) => {
          const text = isBinary ? "" : data.toString();
          if (text.startsWith("0")) ws.send(`40${JSON.stringify({ token: owner.accessToken })}`);
          else if (text.startsWith("40")) {
            for (const sent of packets) ws.send(sent);
            ws.send(`429999${JSON.stringify(["project:leave", { projectId: "prj_barrier" }])}`);
          } else if (text.startsWith("439999")) end("answered");
          else if (text === "2") ws.send("3");
        });
        ws.on("close", () => end("closed"));
        ws.on("error", () => {});
      });
    await fc.assert(
      // Mostly well-formed packets, then maybe a broken one (a broken one first would end most runs).
      fc.asyncProperty(
        fc
          .tuple(fc.array(validPacket, { maxLength: 3 }), fc.array(packet, { minLength: 1, maxLength: 2 }))
          .map(([valid, rest]) => [...valid, ...rest]),
        async (packets) => {
          const how = await exchange(packets);
          outcomes.set(how, (outcomes.get(how) ?? 0) + 1);
          expect(observer.socket.connected).toBe(true);
        },
      ),
      fuzzParameters(40, storeSalt(store)),
    );
    console.log(`raw Socket.IO exchanges on ${store}:`, Object.fromEntries(outcomes));
    expect(observer.seen("disconnect")).toEqual([]);
    expect(await settle(observer)).toBe("answered");
    const fresh = await connectClient(server.baseUrl, owner.accessToken);
    try {
      expect((await fresh.join(ids.projectId!)).ok).toBe(true);
    } finally {
      fresh.socket.disconnect();
    }
  }, 120_000);
});
