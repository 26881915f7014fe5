import { testStores, waitFor } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, type CodeParkClient, ProblemError } from "../src/index.ts";
import { type SdkFixture, startSdkFixture } from "./fixtures.ts";

describe.each(testStores())("SDK REST namespaces on %s", (store) => {
  let fixture: SdkFixture;
  let alice: CodeParkClient;
  let bob: CodeParkClient;
  let bobEmail: string;
  let bobId: string;
  beforeAll(async () => {
    fixture = await startSdkFixture(store);
    alice = (await fixture.account("Alice")).client;
    const second = await fixture.account("Bob");
    bob = second.client;
    bobEmail = second.user.email;
    bobId = second.user.id;
  });
  afterAll(() => fixture?.stop());

  it("projects: create, get, update, replace, list, delete", async () => {
    const created = await alice.projects.create({ name: "Apollo", description: "moon" });
    expect(created).toMatchObject({ name: "Apollo", description: "moon", role: "owner" });
    expect(await alice.projects.get({ id: created.id })).toMatchObject({ id: created.id, name: "Apollo" });
    expect(await alice.projects.update({ id: created.id, description: "mars" })).toMatchObject({
      description: "mars",
    });
    expect(await alice.projects.replace({ id: created.id, name: "Apollo 11" })).toMatchObject({
      name: "Apollo 11",
      visibility: "private",
    });
    const page = await alice.projects.list({ limit: 10 });
    expect(page.items.map((project) => project.id)).toContain(created.id);
    await expect(alice.projects.delete({ id: created.id })).resolves.toBeUndefined();
    const gone = await alice.projects.get({ id: created.id }).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(ProblemError);
    expect(gone).toMatchObject({ status: 404, code: "not_found" });
  });

  it("pages through every project with for await, across page boundaries", async () => {
    const { client } = await fixture.account("Pager");
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push((await client.projects.create({ name: `p${i}` })).id);
    const seen: string[] = [];
    for await (const project of client.projects.all()) seen.push(project.id);
    // 105 > one page of 100: the pager followed nextCursor.
    expect(seen).toEqual(ids);
    expect((await client.getAll(apiRoutes.projects.list)).length).toBe(105);
  });

  it("members, files and versions", async () => {
    const project = await alice.projects.create({ name: "Team" });
    const member = await alice.members.add({ id: project.id, email: bobEmail, role: "viewer" });
    expect(member).toMatchObject({ userId: bobId, role: "viewer" });
    expect(await alice.members.changeRole({ id: project.id, userId: bobId, role: "editor" })).toMatchObject({
      role: "editor",
    });
    const members = [];
    for await (const each of alice.members.all({ id: project.id })) members.push(each.userId);
    expect(members).toContain(bobId);

    const file = await bob.files.create({ id: project.id, path: "src/main.ts", content: "let a = 1;\n" });
    expect(file).toMatchObject({ path: "src/main.ts" });
    expect(await alice.files.get({ id: project.id, fileId: file.id })).toMatchObject({
      content: "let a = 1;\n",
    });
    const updated = await alice.files.update({ id: project.id, fileId: file.id, content: "let a = 2;\n" });
    expect(updated).toMatchObject({ content: "let a = 2;\n" });
    expect((await alice.files.list({ id: project.id })).items.map((each) => each.id)).toEqual([file.id]);

    const named = await alice.versions.create({ id: project.id, fileId: file.id, name: "two" });
    expect(named).toMatchObject({ name: "two", content: "let a = 2;\n" });
    await alice.files.update({ id: project.id, fileId: file.id, content: "let a = 3;\n" });
    const versions = await alice.versions.list({ id: project.id, fileId: file.id });
    expect(versions.items.map((version) => version.id)).toContain(named.id);
    expect(await alice.versions.get({ id: project.id, fileId: file.id, versionId: named.id })).toMatchObject({
      content: "let a = 2;\n",
    });
    await alice.versions.restore({ id: project.id, fileId: file.id, versionId: named.id });
    expect((await alice.files.get({ id: project.id, fileId: file.id })).content).toBe("let a = 2;\n");

    await alice.files.delete({ id: project.id, fileId: file.id });
    await alice.members.remove({ id: project.id, userId: bobId });
    await expect(bob.projects.get({ id: project.id })).rejects.toMatchObject({ status: 404 });
  });

  it("chat: project channel, messages, edit, react, read, direct conversations", async () => {
    const project = await alice.projects.create({ name: "Chatty" });
    await alice.members.add({ id: project.id, email: bobEmail, role: "editor" });
    const channel = await alice.chat.projectChannel({ id: project.id });
    const posted = await alice.chat.postProjectMessage({ id: project.id, body: "hello" });
    expect(posted).toMatchObject({ body: "hello" });
    const listed = await bob.chat.listProjectMessages({ id: project.id });
    expect(listed.items.map((message) => message.body)).toContain("hello");
    expect(await alice.chat.editMessage({ id: posted.id, body: "hello there" })).toMatchObject({
      body: "hello there",
    });
    const reacted = await bob.chat.react({ id: posted.id, emoji: "👍" });
    expect(JSON.stringify(reacted)).toContain("👍");
    await bob.chat.unreact({ id: posted.id, emoji: "👍" });
    await bob.chat.markRead({ id: channel.id, seq: posted.seq });
    await alice.chat.deleteMessage({ id: posted.id });

    const direct = await alice.chat.openDirect({ userId: bobId });
    await alice.chat.postMessage({ id: direct.id, body: "psst" });
    const messages = [];
    for await (const message of bob.chat.allMessages({ id: direct.id })) messages.push(message.body);
    expect(messages).toEqual(["psst"]);
    expect((await bob.chat.getConversation({ id: direct.id })).id).toBe(direct.id);
    const conversations = [];
    // A list the server answers in one page: its pager sends no limit or cursor.
    for await (const conversation of bob.chat.allConversations()) conversations.push(conversation.id);
    expect(conversations).toContain(direct.id);
  });

  it("notifications: list, unread count, read, archive, preferences", async () => {
    const { client: carol, user } = await fixture.account("Carol");
    const project = await alice.projects.create({ name: "Notify" });
    await alice.members.add({ id: project.id, email: user.email, role: "viewer" });
    await waitFor(async () => (await carol.notifications.unreadCount()).unread > 0, 10_000, "a notification");
    const inbox = await carol.notifications.list({ unread: "true" });
    expect(inbox.items[0]).toMatchObject({ kind: "member_added" });
    const ids = inbox.items.map((item) => item.id);
    await carol.notifications.markRead({ ids });
    expect((await carol.notifications.unreadCount()).unread).toBe(0);
    await carol.notifications.archive({ ids });
    expect((await carol.notifications.list({ archived: "true" })).items.map((item) => item.id)).toEqual(ids);
    await carol.notifications.markAllRead();
    const preferences = await carol.notifications.updatePreferences({ emailDigestMinutes: 60 });
    expect(preferences.emailDigestMinutes).toBe(60);
    expect((await carol.notifications.getPreferences()).emailDigestMinutes).toBe(60);
  });

  it("webhooks: create({ url, events }) as the seed shows, list, update, rotate, delete", async () => {
    const webhook = await alice.webhooks.create({
      url: "http://127.0.0.1:9/webhook",
      events: ["project.updated"],
      active: true,
    });
    expect(webhook).toMatchObject({
      url: "http://127.0.0.1:9/webhook",
      events: ["project.updated"],
      active: true,
    });
    expect(webhook.secret).toBeTruthy();
    const all = [];
    for await (const each of alice.webhooks.all()) all.push(each.id);
    expect(all).toEqual([webhook.id]);
    expect(await alice.webhooks.update({ id: webhook.id, active: false })).toMatchObject({ active: false });
    expect((await alice.webhooks.rotateSecret({ id: webhook.id })).secret).not.toBe(webhook.secret);
    expect((await alice.webhooks.listDeliveries({ id: webhook.id })).items).toEqual([]);
    const types = await alice.eventTypes.list();
    expect(JSON.stringify(types)).toContain("project.updated");
    await alice.webhooks.delete({ id: webhook.id });
    await expect(alice.webhooks.get({ id: webhook.id })).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
  });

  it("API keys: create, then a client on the key, limited to its scopes; list and revoke", async () => {
    const created = await alice.apiKeys.create({ name: "CI", scopes: ["projects:read"] });
    const keyClient = fixture.client({ apiKey: created.key });
    expect((await keyClient.projects.list()).items.length).toBeGreaterThanOrEqual(0);
    const refused = await keyClient.projects.create({ name: "nope" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ status: 403, code: "insufficient_scope" });
    expect((await alice.apiKeys.list()).items.map((key) => key.id)).toContain(created.id);
    await alice.apiKeys.revoke({ id: created.id });
    await expect(keyClient.projects.list()).rejects.toMatchObject({ status: 401 });
  });

  it("ProblemError carries the problem: status, code, detail and field errors", async () => {
    const failure = await alice.projects.create({ name: "" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    const problem = failure as ProblemError;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe("validation_failed");
    expect(problem.detail).toBeTruthy();
    expect(problem.errors.map((error) => error.path)).toContain("body.name");
    expect(problem.problem.instance).toBeTruthy();
  });
});
