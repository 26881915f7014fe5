import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { type Cluster, type ClusterNode, startCluster } from "@codepark/testing/cluster";
import type { Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Subscription, subscribe, wsClient } from "./graphql-helpers.ts";

const errorCode = (error: unknown) => (error as { extensions?: { code?: string } }).extensions?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Subscriptions with the real graphql-ws client on /graphql: delivery of each kind, authorization at
 * subscribe and at every delivery (a member removed mid-subscription stops receiving at once), and
 * the credential's revocation ending them.
 */
describe.each(testStores())("GraphQL subscriptions on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let projectId: string;
  const clients: Client[] = [];
  const open = (token?: string) => {
    const client = wsClient(server, token);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer(store);
    owner = await registerUser(server.api, "Owner");
    viewer = await registerUser(server.api, "Viewer");
    outsider = await registerUser(server.api, "Outsider");
    projectId = (await server.api.post("/api/v1/projects", { name: "Live" }, owner.accessToken)).body.id;
    await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: viewer.email, role: "viewer" },
      owner.accessToken,
    );
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server?.stop();
  });

  /** Subscribes and waits until the server has it (an event sent right after is not missed). */
  async function live<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
    const subscription = subscribe<T>(client, query, variables);
    // graphql-ws has no "subscribed" ack: a round trip on the same socket orders after it.
    await client.iterate({ query: "{ me { id } }" }).next();
    return subscription;
  }

  const arrived = <T>(subscription: Subscription<T>, count: number) =>
    waitFor(
      () => subscription.received.length >= count || subscription.errors.length > 0,
      10_000,
      "a delivery",
    );

  it("projectUpdated: every member hears the change with its changed fields", async () => {
    const forOwner = await live(
      open(owner.accessToken),
      `subscription($p: ID!) { projectUpdated(projectId: $p) { id name description visibility updatedAt changedFields } }`,
      { p: projectId },
    );
    const forViewer = await live(
      open(viewer.accessToken),
      `subscription($p: ID!) { projectUpdated(projectId: $p) { name changedFields } }`,
      { p: projectId },
    );
    await server.api.patch(
      `/api/v1/projects/${projectId}`,
      { name: "Live 2", description: "d" },
      owner.accessToken,
    );
    await arrived(forOwner, 1);
    await arrived(forViewer, 1);
    expect(forOwner.received[0]!.projectUpdated).toMatchObject({
      id: projectId,
      name: "Live 2",
      description: "d",
      visibility: "private",
    });
    expect(forOwner.received[0]!.projectUpdated.changedFields.sort()).toEqual(["description", "name"]);
    expect(forViewer.received).toEqual([
      { projectUpdated: { name: "Live 2", changedFields: expect.any(Array) } },
    ]);
    forOwner.stop();
    forViewer.stop();
  });

  it("fileChanged and memberChanged deliver each kind of change", async () => {
    const client = open(owner.accessToken);
    const files = await live(
      client,
      `subscription($p: ID!) { fileChanged(projectId: $p) { type fileId path previousPath file { size } } }`,
      { p: projectId },
    );
    const members = await live(
      client,
      `subscription($p: ID!) { memberChanged(projectId: $p) { type userId role previousRole } }`,
      { p: projectId },
    );
    const file = (
      await server.api.post(
        `/api/v1/projects/${projectId}/files`,
        { path: "a.ts", content: "1" },
        owner.accessToken,
      )
    ).body;
    await server.api.patch(
      `/api/v1/projects/${projectId}/files/${file.id}`,
      { path: "b.ts" },
      owner.accessToken,
    );
    await server.api.delete(`/api/v1/projects/${projectId}/files/${file.id}`, owner.accessToken);
    await server.api.patch(
      `/api/v1/projects/${projectId}/members/${viewer.id}`,
      { role: "editor" },
      owner.accessToken,
    );
    await server.api.patch(
      `/api/v1/projects/${projectId}/members/${viewer.id}`,
      { role: "viewer" },
      owner.accessToken,
    );
    await arrived(files, 3);
    await arrived(members, 2);
    expect(files.received.map((r) => r.fileChanged.type)).toEqual([
      "file.created",
      "file.renamed",
      "file.deleted",
    ]);
    expect(files.received[1]!.fileChanged).toMatchObject({ path: "b.ts", previousPath: "a.ts" });
    expect(files.received[2]!.fileChanged.file).toBeNull();
    expect(members.received.map((r) => r.memberChanged)).toEqual([
      { type: "member.role_changed", userId: viewer.id, role: "editor", previousRole: "viewer" },
      { type: "member.role_changed", userId: viewer.id, role: "viewer", previousRole: "editor" },
    ]);
  });

  it("refuses at subscribe: no credential, an outsider on a private project, an unknown conversation", async () => {
    const anonymous = subscribe(open(), `subscription($p: ID!) { fileChanged(projectId: $p) { type } }`, {
      p: projectId,
    });
    const stranger = subscribe(
      open(outsider.accessToken),
      `subscription($p: ID!) { fileChanged(projectId: $p) { type } }`,
      { p: projectId },
    );
    const nowhere = subscribe(
      open(owner.accessToken),
      `subscription { messageAdded(conversationId: "cnv_nope") { id } }`,
    );
    await waitFor(
      () => anonymous.errors.length > 0 && stranger.errors.length > 0 && nowhere.errors.length > 0,
    );
    expect(errorCode(anonymous.errors[0])).toBe("unauthorized");
    expect(errorCode(stranger.errors[0])).toBe("not_found");
    expect(errorCode(nowhere.errors[0])).toBe("not_found");
  });

  it("a member removed mid-subscription receives nothing more: the next delivery ends it", async () => {
    const member = await registerUser(server.api, "Leaving");
    await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: member.email, role: "editor" },
      owner.accessToken,
    );
    const watching = await live(
      open(member.accessToken),
      `subscription($p: ID!) { fileChanged(projectId: $p) { path } }`,
      { p: projectId },
    );
    await server.api.post(`/api/v1/projects/${projectId}/files`, { path: "before.ts" }, owner.accessToken);
    await arrived(watching, 1);
    const channel = (await server.api.get(`/api/v1/projects/${projectId}/conversation`, owner.accessToken))
      .body.id;
    const chatting = await live(
      open(member.accessToken),
      `subscription($c: ID!) { messageAdded(conversationId: $c) { body } }`,
      { c: channel },
    );
    await server.api.delete(`/api/v1/projects/${projectId}/members/${member.id}`, owner.accessToken);
    // The removal itself ends both: no further event is needed.
    await waitFor(
      () => watching.errors.length > 0 && chatting.errors.length > 0,
      10_000,
      "the subscriptions to end",
    );
    expect(errorCode(watching.errors[0])).toBe("not_found");
    expect(errorCode(chatting.errors[0])).toBe("not_found");
    await server.api.post(`/api/v1/projects/${projectId}/files`, { path: "after.ts" }, owner.accessToken);
    await server.api.post(`/api/v1/conversations/${channel}/messages`, { body: "after" }, owner.accessToken);
    await sleep(200);
    expect(watching.received).toEqual([{ fileChanged: { path: "before.ts" } }]);
    expect(chatting.received).toEqual([]);
  });

  it("an admin demoted mid-subscription loses a project they only saw as admin", async () => {
    // The owner registered first: the instance admin, who may promote and demote.
    const second = await registerUser(server.api, "Second admin");
    await server.api.patch(`/api/v1/users/${second.id}`, { role: "admin" }, owner.accessToken);
    const watching = await live(
      open(second.accessToken),
      `subscription($p: ID!) { projectUpdated(projectId: $p) { name } }`,
      { p: projectId },
    );
    expect(watching.errors).toEqual([]);
    await server.api.patch(`/api/v1/users/${second.id}`, { role: "user" }, owner.accessToken);
    await waitFor(() => watching.errors.length > 0, 10_000, "the subscription to end");
    expect(errorCode(watching.errors[0])).toBe("not_found");
  });

  it("messageAdded and notificationAdded", async () => {
    const channel = (await server.api.get(`/api/v1/projects/${projectId}/conversation`, owner.accessToken))
      .body.id;
    const messages = await live(
      open(viewer.accessToken),
      `subscription($c: ID!) { messageAdded(conversationId: $c) { body authorId seq reactions { emoji } } }`,
      { c: channel },
    );
    const newcomer = await registerUser(server.api, "Newcomer");
    const inbox = await live(open(newcomer.accessToken), `subscription { notificationAdded { kind title } }`);
    await server.api.post(`/api/v1/conversations/${channel}/messages`, { body: "hello" }, owner.accessToken);
    await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: newcomer.email, role: "viewer" },
      owner.accessToken,
    );
    await arrived(messages, 1);
    await arrived(inbox, 1);
    expect(messages.received[0]!.messageAdded).toMatchObject({
      body: "hello",
      authorId: owner.id,
      reactions: [],
    });
    expect(inbox.received[0]!.notificationAdded.kind).toBe("member_added");
  });

  it("a revoked session's subscriptions end with session_revoked", async () => {
    const me = await registerUser(server.api, "Revoked");
    const project = (await server.api.post("/api/v1/projects", { name: "Mine" }, me.accessToken)).body.id;
    const watching = await live(
      open(me.accessToken),
      `subscription($p: ID!) { projectUpdated(projectId: $p) { name } }`,
      { p: project },
    );
    await server.api.post("/api/v1/auth/logout", { refreshToken: me.refreshToken }, me.accessToken);
    await waitFor(() => watching.errors.length > 0, 10_000, "the subscription to end");
    expect(errorCode(watching.errors[0])).toBe("session_revoked");
    await sleep(50);
    expect(watching.received).toEqual([]);
  });

  it("answers an upgrade to another path under /graphql with 404 rather than leave it hanging", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(
        `${server.baseUrl.replace("http", "ws")}/graphql/elsewhere`,
        "graphql-transport-ws",
      );
      socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.on("open", () => reject(new Error("opened")));
      socket.on("error", () => {});
    });
    expect(status).toBe(404);
  });

  it("queries and mutations also run over the socket; limits apply to subscriptions", async () => {
    const client = open(owner.accessToken);
    const me = await client.iterate({ query: "{ me { id } }" }).next();
    expect(me.value?.data).toEqual({ me: { id: owner.id } });
    const invalid = subscribe(client, "subscription { nope }");
    const aliases = subscribe(
      client,
      `subscription($p: ID!) { fileChanged(projectId: $p) { ${Array.from({ length: 40 }, (_, i) => `a${i}: path`).join(" ")} } }`,
      { p: projectId },
    );
    await waitFor(() => invalid.errors.length > 0 && aliases.errors.length > 0);
    expect(errorCode(invalid.errors[0])).toBe("graphql_invalid");
    expect(errorCode(aliases.errors[0])).toBe("too_many_aliases");
  });
});

/** Across nodes: a change made through one node reaches a subscriber on the other (the Redis event bus). */
describe.skipIf(!testStores().includes("postgres"))("GraphQL subscriptions across two nodes", () => {
  let cluster: Cluster;
  let client: Client;
  beforeAll(async () => {
    cluster = await startCluster({ env: {} });
  }, 120_000);
  const others: Client[] = [];
  afterAll(async () => {
    await client?.dispose();
    await Promise.all(others.map((other) => other.dispose()));
    await cluster?.stop();
  });

  it("a subscriber on node A hears a change made on node B", async () => {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const owner = await registerUser(a.api, "Owner");
    const projectId = (await b.api.post("/api/v1/projects", { name: "Spread" }, owner.accessToken)).body.id;
    client = wsClient({ baseUrl: a.url }, owner.accessToken);
    const watching = subscribe(client, `subscription($p: ID!) { projectUpdated(projectId: $p) { name } }`, {
      p: projectId,
    });
    await client.iterate({ query: "{ me { id } }" }).next();
    await b.api.patch(`/api/v1/projects/${projectId}`, { name: "Spread 2" }, owner.accessToken);
    await waitFor(() => watching.received.length > 0 || watching.errors.length > 0, 10_000, "the delivery");
    expect(watching.received).toEqual([{ projectUpdated: { name: "Spread 2" } }]);
  });

  it("notificationAdded reaches a subscriber on either node, whichever node created the notification", async () => {
    const [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    const owner = await registerUser(a.api, "Owner");
    const newcomer = await registerUser(b.api, "Newcomer");
    const projectId = (await a.api.post("/api/v1/projects", { name: "Inbox" }, owner.accessToken)).body.id;
    const onA = wsClient({ baseUrl: a.url }, newcomer.accessToken);
    const onB = wsClient({ baseUrl: b.url }, newcomer.accessToken);
    others.push(onA, onB);
    const heardOnA = subscribe(onA, "subscription { notificationAdded { kind } }");
    const heardOnB = subscribe(onB, "subscription { notificationAdded { kind } }");
    await Promise.all([onA, onB].map((each) => each.iterate({ query: "{ me { id } }" }).next()));
    await a.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: newcomer.email, role: "viewer" },
      owner.accessToken,
    );
    await waitFor(
      () => heardOnA.received.length > 0 && heardOnB.received.length > 0,
      10_000,
      "both nodes' deliveries",
    );
    expect(heardOnA.received).toEqual([{ notificationAdded: { kind: "member_added" } }]);
    expect(heardOnB.received).toEqual([{ notificationAdded: { kind: "member_added" } }]);
  });
});
