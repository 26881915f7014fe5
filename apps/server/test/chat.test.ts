import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { type Client, connectClient } from "@codepark/testing/realtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

describe.each(testStores())("chat on %s", (store) => {
  let server: TestServer;
  let ada: TestUser;
  let bob: TestUser;
  let vic: TestUser;
  let stranger: TestUser;
  let projectId: string;
  let channelId: string;
  const clients = new Set<Client>();

  beforeAll(async () => {
    server = await startTestServer(store);
    ada = await registerUser(server.api, "Ada Lovelace");
    bob = await registerUser(server.api, "Bob");
    vic = await registerUser(server.api, "Vic Viewer");
    stranger = await registerUser(server.api, "Stranger");
    projectId = (await server.api.post("/api/v1/projects", { name: "Chatty" }, ada.accessToken)).body.id;
    const members = `/api/v1/projects/${projectId}/members`;
    await server.api.post(members, { email: bob.email, role: "editor" }, ada.accessToken);
    await server.api.post(members, { email: vic.email, role: "viewer" }, ada.accessToken);
    channelId = (await server.api.get(`/api/v1/projects/${projectId}/conversation`, ada.accessToken)).body.id;
  });
  afterEach(() => {
    for (const client of clients) client.socket.disconnect();
    clients.clear();
  });
  afterAll(() => server?.stop());

  async function connect(user: TestUser): Promise<Client> {
    const client = await connectClient(server.baseUrl, user.accessToken);
    clients.add(client);
    return client;
  }
  const post = (user: TestUser, body: string) =>
    server.api.post(`/api/v1/projects/${projectId}/messages`, { body }, user.accessToken);

  it("posts, lists newest first with a stable cursor, edits and deletes only your own", async () => {
    const first = await post(ada, "hello **world**");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      conversationId: channelId,
      authorId: ada.id,
      body: "hello **world**",
    });
    const page1 = await server.api.get(`/api/v1/projects/${projectId}/messages?limit=1`, bob.accessToken);
    expect(page1.body.items[0].id).toBe(first.body.id);
    // A message arriving between pages does not shift the next page.
    const second = await post(bob, "second");
    const older = await server.api.get(
      `/api/v1/conversations/${channelId}/messages?limit=5&cursor=${page1.body.nextCursor ?? first.body.seq}`,
      bob.accessToken,
    );
    expect(older.body.items.map((m: { id: string }) => m.id)).not.toContain(second.body.id);
    expect(older.body.items.map((m: { id: string }) => m.id)).not.toContain(first.body.id);

    expect(
      (await server.api.patch(`/api/v1/messages/${first.body.id}`, { body: "x" }, bob.accessToken)).status,
    ).toBe(403);
    const edited = await server.api.patch(
      `/api/v1/messages/${first.body.id}`,
      { body: "hello again" },
      ada.accessToken,
    );
    expect(edited.body).toMatchObject({ body: "hello again", editedAt: expect.any(String) });
    expect((await server.api.delete(`/api/v1/messages/${second.body.id}`, ada.accessToken)).status).toBe(403);
    expect((await server.api.delete(`/api/v1/messages/${second.body.id}`, bob.accessToken)).status).toBe(204);
    const listed = await server.api.get(`/api/v1/conversations/${channelId}/messages`, ada.accessToken);
    const gone = listed.body.items.find((m: { id: string }) => m.id === second.body.id);
    expect(gone).toMatchObject({ body: "", deletedAt: expect.any(String) });
    // Bounded length, no empty text.
    expect((await post(ada, "x".repeat(4001))).status).toBe(400);
    expect((await post(ada, "   ")).status).toBe(400);
  });

  it("lets every member talk, viewers too, and hides a private channel from outsiders", async () => {
    expect((await post(vic, "a viewer can chat")).status).toBe(201);
    expect((await post(stranger, "let me in")).status).toBe(404);
    expect(
      (await server.api.get(`/api/v1/conversations/${channelId}/messages`, stranger.accessToken)).status,
    ).toBe(404);
  });

  it("resolves @name mentions among the members", async () => {
    const sent = await post(ada, "@Bob and @VicViewer, look — not @Stranger");
    expect(sent.body.mentions.sort()).toEqual([bob.id, vic.id].sort());
  });

  it("reacts and takes reactions back, live", async () => {
    const watcher = await connect(bob);
    expect((await watcher.ack("chat:join", { conversationId: channelId })).ok).toBe(true);
    const message = (await post(ada, "react to me")).body;
    const reacted = await server.api.post(
      `/api/v1/messages/${message.id}/reactions`,
      { emoji: "🎉" },
      bob.accessToken,
    );
    expect(reacted.body.reactions).toEqual([{ emoji: "🎉", userIds: [bob.id] }]);
    expect(await watcher.next("chat:reaction", (e) => e.messageId === message.id)).toMatchObject({
      userId: bob.id,
      emoji: "🎉",
      on: true,
    });
    const removed = await server.api.delete(
      `/api/v1/messages/${message.id}/reactions/${encodeURIComponent("🎉")}`,
      bob.accessToken,
    );
    expect(removed.body.reactions).toEqual([]);
  });

  it("delivers 500 rapid messages from two senders to everyone, in the same order with no gaps", async () => {
    const [adaClient, bobClient] = [await connect(ada), await connect(bob)];
    const joined = await adaClient.ack("chat:join", { conversationId: channelId });
    await bobClient.ack("chat:join", { conversationId: channelId });
    const startSeq = (joined.missed.at(-1)?.seq as number) ?? 0;
    const total = 500;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      // Half through REST, half through the socket (acknowledged), all at once.
      sends.push(
        i % 2 === 0
          ? post(ada, `m${i}`)
          : server.api.post(`/api/v1/projects/${projectId}/messages`, { body: `m${i}` }, bob.accessToken),
      );
    }
    await Promise.all(sends);
    for (const client of [adaClient, bobClient]) {
      await waitFor(() => client.seen("chat:message").length >= total, 20_000);
      const seqs = client.seen("chat:message").map((m) => m.seq as number);
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => startSeq + 1 + i));
    }
    const bodies = (client: Client) => client.seen("chat:message").map((m) => m.body);
    expect(bodies(adaClient)).toEqual(bodies(bobClient));
  }, 120_000);

  it("gives a reconnecting client exactly what it missed, then the live ones, with no duplicates", async () => {
    const first = await connect(bob);
    const joined = await first.ack("chat:join", { conversationId: channelId });
    const lastSeen = (joined.missed.at(-1)?.seq as number) ?? 0;
    first.socket.disconnect();
    const missed = [];
    for (let i = 0; i < 20; i++) missed.push((await post(ada, `while you were away ${i}`)).body);
    const again = await connect(bob);
    const rejoined = await again.ack("chat:join", { conversationId: channelId, afterSeq: lastSeen });
    expect(rejoined.missed.map((m: { id: string }) => m.id)).toEqual(missed.map((m) => m.id));
    expect(rejoined.hasMore).toBe(false);
    const live = (await post(ada, "and now live")).body;
    expect((await again.next("chat:message")).id).toBe(live.id);
    const everything = [...rejoined.missed, ...again.seen("chat:message")].map((m: { id: string }) => m.id);
    expect(new Set(everything).size).toBe(everything.length);
  });

  it("keeps unread counts right across devices: read receipts move them, typing is relayed", async () => {
    const phone = await connect(bob);
    const laptop = await connect(bob);
    const adaSocket = await connect(ada);
    for (const client of [phone, laptop, adaSocket])
      await client.ack("chat:join", { conversationId: channelId });
    // Posting reads everything up to your own message; your messages never count as unread.
    await post(bob, "mine");
    const sent: { id: string; seq: number }[] = [];
    for (let i = 0; i < 3; i++) sent.push((await post(ada, `unread ${i}`)).body);
    expect((await server.api.get(`/api/v1/conversations/${channelId}`, bob.accessToken)).body.unread).toBe(3);
    const list = await server.api.get("/api/v1/conversations", bob.accessToken);
    expect(list.body.items.find((c: { id: string }) => c.id === channelId).unread).toBe(3);
    await server.api.post(`/api/v1/conversations/${channelId}/read`, { seq: sent[1]!.seq }, bob.accessToken);
    const receipt = await laptop.next(
      "chat:read",
      (e) => e.userId === bob.id && e.lastReadSeq >= sent[1]!.seq,
    );
    expect(receipt.conversationId).toBe(channelId);
    expect(await adaSocket.next("chat:read", (e) => e.userId === bob.id)).toBeDefined();
    const readAck = await phone.ack("chat:read", { conversationId: channelId, seq: 0 });
    expect(readAck).toMatchObject({ ok: true });
    expect(readAck.lastReadSeq).toBe(sent[1]!.seq); // never moves back
    expect(readAck.unread).toBe(1);
    // A deleted message stops counting after the read pointer, and changes nothing before it.
    expect((await server.api.delete(`/api/v1/messages/${sent[2]!.id}`, ada.accessToken)).status).toBe(204);
    expect((await server.api.delete(`/api/v1/messages/${sent[0]!.id}`, ada.accessToken)).status).toBe(204);
    expect(await phone.ack("chat:join", { conversationId: channelId })).toMatchObject({
      lastReadSeq: sent[1]!.seq,
      unread: 0,
    });
    await post(ada, "after the deletions");
    expect((await server.api.get(`/api/v1/conversations/${channelId}`, bob.accessToken)).body.unread).toBe(1);

    expect(await phone.ack("chat:typing", { conversationId: channelId })).toEqual({ ok: true });
    expect(await adaSocket.next("chat:typing")).toMatchObject({
      conversationId: channelId,
      userId: bob.id,
      name: "Bob",
    });
  });

  it("opens one direct conversation per pair of people who share a project; it stays between them", async () => {
    const opened = await server.api.post("/api/v1/conversations", { userId: bob.id }, ada.accessToken);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      kind: "direct",
      projectId: null,
      participants: [{ id: bob.id, name: "Bob" }],
    });
    const again = await server.api.post("/api/v1/conversations", { userId: ada.id }, bob.accessToken);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(opened.body.id);
    expect(
      (await server.api.post("/api/v1/conversations", { userId: stranger.id }, ada.accessToken)).status,
    ).toBe(404);
    const bobSocket = await connect(bob);
    const message = await server.api.post(
      `/api/v1/conversations/${opened.body.id}/messages`,
      { body: "psst @Bob" },
      ada.accessToken,
    );
    expect(message.status).toBe(201);
    // Without joining: direct messages reach the participant's own room.
    expect((await bobSocket.next("chat:message", (m) => m.conversationId === opened.body.id)).body).toBe(
      "psst @Bob",
    );
    expect((await server.api.get(`/api/v1/conversations/${opened.body.id}`, vic.accessToken)).status).toBe(
      404,
    );
    const adminView = await server.api.get(
      `/api/v1/conversations/${opened.body.id}/messages`,
      ada.accessToken,
    );
    expect(adminView.body.items).toHaveLength(1);
  });

  it("refuses a message the store no longer allows, whatever a stale cache still says", async () => {
    const eve = await registerUser(server.api, "Eve");
    const added = await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: eve.email, role: "editor" },
      ada.accessToken,
    );
    expect(added.status).toBe(201);
    const socket = await connect(eve);
    const conversationId = channelId;
    // Her access is cached now.
    expect(await socket.ack("chat:send", { conversationId, body: "while a member" })).toMatchObject({
      ok: true,
    });
    // Removed behind the cache's back (no command, so nothing invalidated): the cache still says editor.
    await server.app.database.execute("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2", [
      projectId,
      eve.id,
    ]);
    expect(await socket.ack("chat:send", { conversationId, body: "after" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    const listed = await server.api.get(
      `/api/v1/conversations/${channelId}/messages?limit=5`,
      ada.accessToken,
    );
    expect(listed.body.items.map((message: { body: string }) => message.body)).not.toContain("after");
  });

  it("refuses bad chat payloads on the socket with validation_failed, and unknown conversations with not_found", async () => {
    const client = await connect(ada);
    expect(await client.ack("chat:send", { conversationId: channelId })).toMatchObject({
      ok: false,
      error: { code: "validation_failed" },
    });
    expect(await client.ack("chat:join", { conversationId: "cnv_nope" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    const sent = await client.ack("chat:send", { conversationId: channelId, body: "over the socket" });
    expect(sent).toMatchObject({ ok: true, message: { body: "over the socket", authorId: ada.id } });
  });
});
