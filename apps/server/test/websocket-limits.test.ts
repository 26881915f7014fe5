import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { type CollabOutcome, connectCollab, type Editor, openEditor } from "@codepark/testing/collab";
import { type Client, connectClient, within } from "@codepark/testing/realtime";
import { Manager } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";

/**
 * WebSocket limits (docs/security.md, "WebSocket limits") with the seed tier figures: connection caps across
 * both doors, per-connection frame rates on the collaboration socket, and the per-person cap on
 * the bytes of open documents. Limits are on here (test servers run with them off by default).
 */
describe.each(testStores())("WebSocket limits on %s", (store) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const editors: Editor[] = [];
  const sockets: Client[] = [];
  const raw: WebSocket[] = [];
  const managers: Manager[] = [];

  beforeAll(async () => {
    server = await startTestServer(store, {
      RATE_LIMIT_ENABLED: "true",
      TRUST_PROXY: "true",
      // Small documents and a small per-person cap, so the bytes cap is reached with small files.
      COLLAB_MAX_DOCUMENT_BYTES: "65536",
      COLLAB_USER_LOADED_BYTES: "65536",
      COLLAB_UNLOAD_GRACE_MS: "50",
    });
    alice = await registerUser(server.api, "Alice");
    bob = await registerUser(server.api, "Bob");
  });
  afterEach(async () => {
    for (const editor of editors.splice(0)) editor.destroy();
    for (const client of sockets.splice(0)) client.socket.disconnect();
    for (const ws of raw.splice(0)) ws.terminate();
    for (const manager of managers.splice(0)) manager.engine?.close();
    // Every slot given back before the next test (closes are handled asynchronously on the server).
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(() => server?.stop());

  const collabUrl = (fileId: string, token: string) =>
    `${server.baseUrl.replace(/^http/, "ws")}/collab/${fileId}?token=${encodeURIComponent(token)}`;

  async function collab(fileId: string, token: string, headers: Record<string, string> = {}) {
    const outcome = await within(connectCollab(collabUrl(fileId, token), headers), "collab answer");
    if (outcome.kind === "joined") raw.push(outcome.ws);
    return outcome;
  }

  async function socket(token: string): Promise<Client> {
    const client = await connectClient(server.baseUrl, token);
    sockets.push(client);
    return client;
  }

  /** The Socket.IO handshake's refusal (connect_error), or null when it connected. */
  async function socketRefusal(token: string): Promise<(Error & { data?: any }) | null> {
    try {
      await socket(token);
      return null;
    } catch (error) {
      return error as Error & { data?: any };
    }
  }

  async function newFile(owner: TestUser, content = "", path = "main.ts") {
    const project = await server.api.post("/api/v1/projects", { name: "Limits" }, owner.accessToken);
    expect(project.status).toBe(201);
    const base = `/api/v1/projects/${project.body.id}`;
    const file = await server.api.post(`${base}/files`, { path, content }, owner.accessToken);
    expect(file.status).toBe(201);
    return { projectId: project.body.id as string, fileId: file.body.id as string, base };
  }

  async function rejections(limit: string): Promise<number> {
    const text = (await server.api.get("/metrics")).body as string;
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`codepark_limit_rejections_total{limit="${limit}"} `));
    return line ? Number(line.split(" ")[1]) : 0;
  }

  it("free plan: 20 connections over collab and Socket.IO together; the 21st is refused at either door until one closes", async () => {
    const user = await registerUser(server.api, "Fran Free");
    const { fileId } = await newFile(user);
    const before = await rejections("connections");
    // Ten of each door, one at a time (in flight, each also counts against the IP: see the next test).
    const joined: CollabOutcome[] = [];
    for (let i = 0; i < 10; i++) joined.push(await collab(fileId, user.accessToken));
    expect(joined.map((o) => o.kind)).toEqual(Array(10).fill("joined"));
    const own: Client[] = [];
    for (let i = 0; i < 10; i++) own.push(await socket(user.accessToken));

    // The 21st: Socket.IO refuses the handshake, collab closes at once with 4429 and says why.
    const refused = await socketRefusal(user.accessToken);
    expect(refused?.message).toBe("connection_limit");
    expect(refused?.data).toEqual({
      code: "connection_limit",
      detail: "connection limit: 20 open connections on the free plan",
    });
    expect(await collab(fileId, user.accessToken)).toEqual({
      kind: "closed",
      code: 4429,
      reason: "connection limit: 20 open connections on the free plan",
    });
    // The unmodified y-websocket client reports it and stops reconnecting (4400–4499 are final).
    const editor = openEditor(server.baseUrl, fileId, user.accessToken);
    editors.push(editor);
    const closed = await within(
      new Promise<{ code: number; reason: string }>((resolve) => editor.provider.once("closed", resolve)),
      "y-websocket closed",
    );
    expect(closed.code).toBe(4429);
    expect(editor.provider.shouldConnect).toBe(false);
    expect(await rejections("connections")).toBe(before + 3);
    // Other people are not affected.
    await socket(alice.accessToken);

    // A closed connection frees its slot, for either door: a Socket.IO one closes, a collab one opens.
    own[0]!.socket.disconnect();
    await waitFor(
      async () => {
        const outcome = await collab(fileId, user.accessToken);
        return outcome.kind === "joined";
      },
      5_000,
      "the freed slot",
    );
    expect((await socketRefusal(user.accessToken))?.message).toBe("connection_limit");
    const collabOne = raw.pop()!;
    collabOne.close();
    await waitFor(
      async () => (await socketRefusal(user.accessToken)) === null,
      5_000,
      "the slot freed by collab",
    );
  });

  it("API-key connections count against the key's owner", async () => {
    const user = await registerUser(server.api, "Kim Keys");
    const key = await server.api.post(
      "/api/v1/api-keys",
      { name: "ws", scopes: ["projects:read"] },
      user.accessToken,
    );
    expect(key.status).toBe(201);
    const { fileId } = await newFile(user);
    for (let i = 0; i < 10; i++) await socket(user.accessToken);
    for (let i = 0; i < 9; i++) expect((await collab(fileId, key.body.key)).kind).toBe("joined");
    await socket(key.body.key); // the 20th
    expect((await socketRefusal(key.body.key))?.data?.code).toBe("connection_limit");
    expect(await collab(fileId, key.body.key)).toMatchObject({ kind: "closed", code: 4429 });
    expect((await socketRefusal(user.accessToken))?.data?.code).toBe("connection_limit");
  });

  it("anonymous: 5 connections per client IP while they authenticate (X-Forwarded-For with TRUST_PROXY)", async () => {
    const { fileId } = await newFile(bob);
    const from = (ip: string) => {
      // An engine.io connection that never sends its Socket.IO handshake: anonymous until it times out.
      const manager = new Manager(server.baseUrl, {
        path: "/socket.io",
        transports: ["websocket"],
        reconnection: false,
        autoConnect: false,
        extraHeaders: { "x-forwarded-for": ip },
      });
      managers.push(manager);
      return within(
        new Promise<Manager>((resolve, reject) =>
          manager.open((error) => (error ? reject(error) : resolve(manager))),
        ),
        "engine connection",
      );
    };
    const ip = "198.51.100.7";
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await from(ip));
    const sixth = await from(ip);
    // The sixth is closed by the server once its slot is refused.
    await within(
      new Promise<void>((resolve) => {
        if (sixth.engine.readyState === "closed") resolve();
        sixth.engine.once("close", () => resolve());
      }),
      "the sixth closed",
    );
    // The collaboration door counts the same way: an upgrade from that address gets a 429 problem.
    const refused = await collab(fileId, bob.accessToken, { "x-forwarded-for": ip });
    expect(refused).toMatchObject({ kind: "refused", status: 429 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({
      status: 429,
      code: "connection_limit",
      detail: "connection limit: 5 open connections from this address before signing in",
    });
    // The five are still open; another address is not affected.
    expect(held.every((manager) => manager.engine.readyState === "open")).toBe(true);
    expect((await collab(fileId, bob.accessToken, { "x-forwarded-for": "198.51.100.8" })).kind).toBe(
      "joined",
    );
    // When they close, the address may connect again.
    for (const manager of held) manager.engine.close();
    await waitFor(
      async () => (await collab(fileId, bob.accessToken, { "x-forwarded-for": ip })).kind === "joined",
      5_000,
      "the address's slots given back",
    );
  });

  it("collab frames: a fast typist is never cut; a flood is closed with 4529 (the client reconnects and resyncs)", async () => {
    const { fileId } = await newFile(alice);
    const typist = openEditor(server.baseUrl, fileId, alice.accessToken);
    editors.push(typist);
    await typist.synced();
    // 40 keystrokes a second for 3 s, each with its cursor's awareness: 240 frames, over the burst.
    for (let i = 0; i < 120; i++) {
      typist.text.insert(typist.text.length, "x");
      typist.provider.awareness.setLocalStateField("cursor", { anchor: i, head: i });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(typist.closes).toEqual([]);
    // Every keystroke reached the server: a second editor syncs all of them.
    const reader = openEditor(server.baseUrl, fileId, alice.accessToken);
    editors.push(reader);
    await reader.synced();
    await waitFor(() => reader.text.length === 120, 5_000, "the typist's text on the server");

    const before = await rejections("collab_messages");
    const flood = await collab(fileId, alice.accessToken);
    if (flood.kind !== "joined") throw new Error(`flood not joined: ${JSON.stringify(flood)}`);
    for (let i = 0; i < 1_000; i++) flood.ws.send(Uint8Array.of(3)); // query-awareness frames
    expect(await within(flood.closed, "the flood closed")).toEqual({
      code: 4529,
      reason: "message rate limit: reconnect and resync",
    });
    expect(await rejections("collab_messages")).toBe(before + 1);
    expect(typist.closes).toEqual([]);

    // The unmodified client, flooding: cut with 4529, it reconnects and its sync re-sends what the
    // server ignored after the cut, so nothing is lost.
    const burst = openEditor(server.baseUrl, fileId, alice.accessToken);
    editors.push(burst);
    await burst.synced();
    for (let i = 0; i < 300; i++) {
      burst.text.insert(0, "y");
      burst.provider.awareness.setLocalStateField("cursor", { anchor: 0, head: i });
    }
    await waitFor(() => burst.closes.some((c) => c.code === 4529), 5_000, "the burst cut");
    await waitFor(() => reader.text.length === 420, 10_000, "every keystroke after the reconnect");
    expect(reader.text.toString()).toBe(`${"y".repeat(300)}${"x".repeat(120)}`);
  });

  it("Socket.IO events over the shared bucket's rate answer rate_limited, each one counted", async () => {
    const { projectId } = await newFile(alice);
    const client = await socket(alice.accessToken);
    expect((await client.join(projectId)).ok).toBe(true);
    const before = await rejections("socket_messages");
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.ack("typing", { projectId })));
    const limited = answers.filter((a) => a.ok === false && a.error.code === "rate_limited").length;
    expect(limited).toBeGreaterThanOrEqual(35); // a burst of 60 (one went to the join), refilled at 30/s
    expect(await rejections("socket_messages")).toBe(before + limited);
  });

  it("open documents: one more that would pass COLLAB_USER_LOADED_BYTES is refused with 4430 (per person)", async () => {
    const user = await registerUser(server.api, "Dora Docs");
    const big = "x".repeat(25_000);
    const files = [];
    for (let i = 0; i < 3; i++) files.push((await newFile(user, big, `f${i}.txt`)).fileId);
    const [one, two, three] = files as [string, string, string];
    const before = await rejections("document_bytes");
    expect((await collab(one, user.accessToken)).kind).toBe("joined");
    expect((await collab(two, user.accessToken)).kind).toBe("joined"); // ~50 KB of 64 KiB
    const refused = await collab(three, user.accessToken);
    expect(refused).toEqual({
      kind: "closed",
      code: 4430,
      reason: "open documents limit: 64 KiB of documents open at once on this server",
    });
    expect(await rejections("document_bytes")).toBe(before + 1);
    // Another connection to a document already open costs nothing more.
    expect((await collab(one, user.accessToken)).kind).toBe("joined");
    // Closing both connections to one document makes room.
    const [toOne, toTwo, toOneAgain] = raw.splice(-3) as [WebSocket, WebSocket, WebSocket];
    toTwo.close();
    await waitFor(
      async () => {
        const outcome = await collab(three, user.accessToken);
        return outcome.kind === "joined";
      },
      5_000,
      "room after closing one",
    );
    toOne.close();
    toOneAgain.close();
  });
});
