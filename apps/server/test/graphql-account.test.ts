import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql } from "./graphql-helpers.ts";

/**
 * The chat and account queries and mutations over plain HTTP (graphql.test.ts has the projects'),
 * each compared with the REST call that runs the same command.
 */
describe.each(testStores())("GraphQL chat, inbox, webhooks, keys and audit on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let bob: TestUser;
  let projectId: string;

  beforeAll(async () => {
    // Webhook destinations on this machine are allowed (nothing is delivered in this suite).
    server = await startTestServer(store, { WEBHOOK_ALLOW_PRIVATE: "true" });
    await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Owner");
    bob = await registerUser(server.api, "Bob");
    projectId = (await server.api.post("/api/v1/projects", { name: "Apollo" }, owner.accessToken)).body.id;
  });
  afterAll(() => server?.stop());

  const rest = (path: string, token = owner.accessToken) => server.api.get(`/api/v1${path}`, token);

  it("chat: conversations, send, edit, react, read, delete, messages (paged and after)", async () => {
    const channel = (await rest(`/projects/${projectId}/conversation`)).body.id;
    const run = (query: string, variables: Record<string, unknown> = {}) =>
      gql(server, query, { c: channel, ...variables }, owner.accessToken);
    const sent = await run(
      `mutation($c: ID!) { sendMessage(conversationId: $c, body: "hi") { id seq body } }`,
    );
    const message = sent.body.data.sendMessage;
    await run(`mutation($c: ID!) { sendMessage(conversationId: $c, body: "second") { id } }`);
    const edited = await run(`mutation($m: ID!) { editMessage(id: $m, body: "hello") { body editedAt } }`, {
      m: message.id,
    });
    expect(edited.body.data.editMessage.body).toBe("hello");
    const reacted = await run(
      `mutation($m: ID!) { react(messageId: $m, emoji: "👍") { reactions { emoji userIds } } }`,
      { m: message.id },
    );
    expect(reacted.body.data.react.reactions).toEqual([{ emoji: "👍", userIds: [owner.id] }]);
    const listed = await run(
      `query($c: ID!) { messages(conversationId: $c, limit: 10) { items { id body reactions { emoji } } nextCursor hasMore } }`,
    );
    const restListed = (await rest(`/conversations/${channel}/messages?limit=10`)).body;
    expect(listed.body.data.messages.items.map((m: { id: string }) => m.id)).toEqual(
      restListed.items.map((m: { id: string }) => m.id),
    );
    const after = await run(
      `query($c: ID!, $after: Int!) { messages(conversationId: $c, after: $after) { items { seq } hasMore } }`,
      { after: message.seq },
    );
    expect(after.body.data.messages).toEqual({ items: [{ seq: message.seq + 1 }], hasMore: false });
    const read = await run(
      `mutation($c: ID!, $s: Int!) { markConversationRead(conversationId: $c, seq: $s) { lastReadSeq unread } }`,
      { s: message.seq + 1 },
    );
    expect(read.body.data.markConversationRead).toEqual({ lastReadSeq: message.seq + 1, unread: 0 });
    const conversations = await run(
      `{ conversations { id kind unread } conversation(id: "${channel}") { id } }`,
    );
    expect(conversations.body.data.conversations.map((c: { id: string }) => c.id)).toEqual(
      (await rest("/conversations")).body.items.map((c: { id: string }) => c.id),
    );
    const deleted = await run(`mutation($m: ID!) { deleteMessage(id: $m) }`, { m: message.id });
    expect(deleted.body.data.deleteMessage).toBe(true);
    const notMine = await gql(
      server,
      `mutation($m: ID!) { editMessage(id: $m, body: "x") { id } }`,
      { m: message.id },
      bob.accessToken,
    );
    expect(codes(notMine)).toEqual(["not_found"]);
    // Bob shares no project with the owner: the same refusal as REST's.
    const direct = await run(`mutation($u: ID!) { openDirectConversation(userId: $u) { kind } }`, {
      u: bob.id,
    });
    const restDirect = await server.api.post("/api/v1/conversations", { userId: bob.id }, owner.accessToken);
    expect(restDirect.status).toBe(404);
    expect(codes(direct)).toEqual([restDirect.body.code]);
  });

  it("notifications, webhooks, deliveries, API keys, audit log and event types", async () => {
    const run = (query: string, variables: Record<string, unknown> = {}, token = owner.accessToken) =>
      gql(server, query, variables, token);
    const inbox = await run(
      `{ notifications { items { id kind title } nextCursor } unreadNotifications { unread } }`,
    );
    expect(inbox.body.data.notifications).toEqual({
      items: (await rest("/notifications")).body.items.map(
        (n: { id: string; kind: string; title: string }) => ({ id: n.id, kind: n.kind, title: n.title }),
      ),
      nextCursor: (await rest("/notifications")).body.nextCursor,
    });
    expect(
      (await run(`mutation { markAllNotificationsRead { unread } }`)).body.data.markAllNotificationsRead
        .unread,
    ).toBe(0);
    expect(codes(await run(`mutation { markNotificationsRead(ids: []) { unread } }`))).toEqual([
      "validation_failed",
    ]);
    expect(
      (await run(`mutation { archiveNotifications(ids: ["ntf_unknown"]) { unread } }`)).body.errors,
    ).toBeUndefined();

    const refused = await run(
      `mutation { createWebhook(input: { url: "ftp://x", events: ["file.created"] }) { id } }`,
    );
    expect(codes(refused)).toEqual(["validation_failed"]);
    const hook = await run(
      `mutation { createWebhook(input: { url: "http://127.0.0.1:9/hook", events: ["file.created"] }) { id secret events active } }`,
    );
    const hookId = hook.body.data.createWebhook.id;
    expect(hook.body.data.createWebhook.secret).toMatch(/^whsec_/);
    const updated = await run(
      `mutation($id: ID!) { updateWebhook(id: $id, input: { description: "d" }) { description } }`,
      { id: hookId },
    );
    expect(updated.body.data.updateWebhook.description).toBe("d");
    expect(
      (await run(`mutation($id: ID!) { testWebhook(id: $id) }`, { id: hookId })).body.data.testWebhook,
    ).toBe(true);
    const rotated = await run(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, {
      id: hookId,
    });
    expect(rotated.body.data.rotateWebhookSecret.secret).not.toBe(hook.body.data.createWebhook.secret);
    const lists = await run(
      `query($id: ID!) { webhooks { items { id } } webhook(id: $id) { id } deliveries(webhookId: $id) { items { id eventType status } nextCursor } }`,
      { id: hookId },
    );
    expect(lists.body.data.webhooks.items).toEqual(
      (await rest("/webhooks")).body.items.map((w: { id: string }) => ({ id: w.id })),
    );
    expect(lists.body.data.deliveries.items.map((d: { id: string }) => d.id)).toEqual(
      (await rest(`/webhooks/${hookId}/deliveries`)).body.items.map((d: { id: string }) => d.id),
    );
    expect(
      codes(
        await run(`mutation($id: ID!) { retryDelivery(webhookId: $id, deliveryId: "whd_nope") }`, {
          id: hookId,
        }),
      ),
    ).toEqual(["not_found"]);
    expect(
      (await run(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: hookId })).body.data.deleteWebhook,
    ).toBe(true);

    const key = await run(
      `mutation { createApiKey(name: "ci", scopes: ["projects:read"]) { id key scopes } }`,
    );
    const { id: keyId, key: secret } = key.body.data.createApiKey;
    expect(codes(await run(`{ apiKeys { items { id } } }`, {}, secret))).toEqual(["session_required"]);
    expect((await run(`{ apiKeys { items { id name } } }`)).body.data.apiKeys.items).toEqual(
      (await rest("/api-keys")).body.items.map((k: { id: string; name: string }) => ({
        id: k.id,
        name: k.name,
      })),
    );
    expect(
      (await run(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: keyId })).body.data.revokeApiKey,
    ).toBe(true);

    const audit = await run(`{ auditLog(limit: 5) { items { id action actorId } nextCursor } }`);
    expect(audit.body.data.auditLog.items.map((e: { id: string }) => e.id)).toEqual(
      (await rest("/audit?limit=5")).body.items.map((e: { id: string }) => e.id),
    );
    expect(codes(await run(`{ auditLog(since: "yesterday") { nextCursor } }`))).toEqual([
      "validation_failed",
    ]);
    const types = await run(`{ eventTypes { name description } }`);
    expect(types.body.data.eventTypes.map((t: { name: string }) => t.name)).toEqual(
      (await server.api.get("/api/v1/event-types")).body.items.map((t: { name: string }) => t.name),
    );
  });

  it("bad input is a coded error, never a crash", async () => {
    expect(codes(await gql(server, "{ me { id }"))).toEqual(["graphql_invalid"]);
    expect(
      codes(await gql(server, `{ projects(limit: 1000) { nextCursor } }`, {}, owner.accessToken)),
    ).toEqual(["validation_failed"]);
    expect(
      codes(await gql(server, `{ projects(cursor: "\\u0000") { nextCursor } }`, {}, owner.accessToken)),
    ).toEqual(["validation_failed"]);
    const nulVariable = await gql(
      server,
      "query($c: String) { projects(cursor: $c) { nextCursor } }",
      { c: "\u0000" },
      owner.accessToken,
    );
    expect(nulVariable.status).toBe(400);
    expect(codes(await gql(server, "{ me { id } }", {}, "not-a-token"))).toEqual(["unauthorized"]);
    const garbage = await fetch(`${server.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(garbage.status).toBe(400);
  });
});
