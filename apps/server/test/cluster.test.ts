import { registerUser, type TestUser, testStores, waitFor } from "@codepark/testing";
import { type Cluster, type ClusterNode, startCluster } from "@codepark/testing/cluster";
import { type Editor, openEditor } from "@codepark/testing/collab";
import { type Client, connectClient } from "@codepark/testing/realtime";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";

/**
 * The real topology: two server processes on one PostgreSQL database and one Redis prefix, nginx in
 * front, driven by the unmodified y-websocket provider and socket.io-client, through nginx and
 * straight to each node.
 */
const clustered = testStores().includes("postgres");

describe.skipIf(!clustered)("two nodes behind nginx", () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let owner: TestUser;
  let member: TestUser;
  const editors: Editor[] = [];
  const sockets: Client[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    owner = await registerUser(a.api, "Olga Owner");
    member = await registerUser(b.api, "Mo Member");
  }, 120_000);
  beforeEach(() => {
    // A failure is easier to read with what the nodes said.
    onTestFailed(() => {
      for (const node of cluster.nodes)
        console.log(`--- node ${node.name}\n${node.process.output().slice(-6_000)}`);
    });
  });
  afterEach(() => {
    for (const editor of editors.splice(0)) editor.destroy();
    for (const client of sockets.splice(0)) client.socket.disconnect();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const edit = (baseUrl: string, fileId: string, user: TestUser) => {
    const editor = openEditor(baseUrl, fileId, user.accessToken);
    editors.push(editor);
    return editor;
  };

  async function connect(baseUrl: string, user: TestUser): Promise<Client> {
    const client = await connectClient(baseUrl, user.accessToken);
    sockets.push(client);
    return client;
  }

  async function sharedProject(name: string) {
    const project = await a.api.post("/api/v1/projects", { name }, owner.accessToken);
    expect(project.status).toBe(201);
    const base = `/api/v1/projects/${project.body.id}`;
    const added = await a.api.post(
      `${base}/members`,
      { email: member.email, role: "editor" },
      owner.accessToken,
    );
    expect(added.status).toBe(201);
    const file = await a.api.post(`${base}/files`, { path: "main.ts", content: "" }, owner.accessToken);
    expect(file.status).toBe(201);
    return { projectId: project.body.id as string, fileId: file.body.id as string, base };
  }

  it("clients on A and B edit one file concurrently and converge, and see each other's cursors", async () => {
    const { fileId, base } = await sharedProject("Converge");
    const onA = [edit(a.url, fileId, owner), edit(a.url, fileId, member)];
    const onB = [edit(b.url, fileId, member), edit(b.url, fileId, owner)];
    const viaLb = edit(cluster.lb.url, fileId, owner);
    const all = [...onA, ...onB, viaLb];
    await Promise.all(all.map((editor) => editor.synced()));

    for (let round = 0; round < 30; round++) {
      for (const [index, editor] of all.entries()) editor.text.insert(0, `[${index}:${round}]`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = all.length * 30;
    await waitFor(
      () => all.every((editor) => (editor.text.toString().match(/\[/g) ?? []).length === expected),
      10_000,
      "every editor has every insert",
    );
    expect(new Set(all.map((editor) => editor.text.toString())).size).toBe(1);

    // Awareness crosses nodes: A's client sees B's cursor with the name the server stamped.
    onB[0]!.provider.awareness.setLocalStateField("cursor", { anchor: 1, head: 1 });
    await waitFor(
      () =>
        [...onA[0]!.provider.awareness.getStates().values()].some(
          (state) => state.user?.name === "Mo Member" && state.cursor?.anchor === 1,
        ),
      5_000,
      "B's cursor on A",
    );
    // And it is removed when that connection closes on B.
    const clientIdOnB = onB[0]!.doc.clientID;
    onB[0]!.provider.disconnect();
    await waitFor(
      () => !onA[0]!.provider.awareness.getStates().has(clientIdOnB),
      5_000,
      "cursor removed on A",
    );

    // The stored file holds it all (read through the other node).
    await waitFor(
      async () => {
        const file = await b.api.get(`${base}/files/${fileId}`, owner.accessToken);
        return file.body.content === onA[0]!.text.toString();
      },
      10_000,
      "stored content",
    );
  });

  it("a chat message sent through A arrives live on B in seq order; notifications reach B; presence spans both", async () => {
    const { projectId } = await sharedProject("Chat");
    const onB = await connect(b.url, member);
    const memberOnA = await connect(a.url, member);
    const ownerOnA = await connect(a.url, owner);
    expect((await onB.join(projectId)).ok).toBe(true);
    const joined = await ownerOnA.join(projectId);
    expect(joined.ok).toBe(true);

    // Typing goes straight from socket to room: through the Socket.IO Redis adapter.
    expect(await ownerOnA.ack("typing", { projectId, fileId: "fil_1" })).toEqual({ ok: true });
    expect(await onB.next("typing")).toMatchObject({ projectId, userId: owner.id });

    for (let n = 1; n <= 10; n++) {
      const sent = await a.api.post(
        `/api/v1/projects/${projectId}/messages`,
        { body: `m${n}` },
        owner.accessToken,
      );
      expect(sent.status).toBe(201);
    }
    const seqs: number[] = [];
    for (let n = 1; n <= 10; n++) seqs.push((await onB.next("chat:message")).seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(onB.seen("chat:message").map((m: { body: string }) => m.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i + 1}`),
    );

    // A notification, made by whichever node's job runner consumed the event, reaches the person's
    // sockets on both nodes: one of them is on the other node.
    const other = await a.api.post("/api/v1/projects", { name: "Invite" }, owner.accessToken);
    await a.api.post(
      `/api/v1/projects/${other.body.id}/members`,
      { email: member.email, role: "viewer" },
      owner.accessToken,
    );
    for (const client of [onB, memberOnA]) {
      expect(await client.next("notification", (n) => n.kind === "member_added")).toMatchObject({
        kind: "member_added",
      });
    }

    // Presence lists people on both nodes.
    expect(joined.presence.map((p: { userId: string }) => p.userId).sort()).toEqual(
      [owner.id, member.id].sort(),
    );
  });

  it("a removed member is cut off on both nodes at once, and a warm cache never lets them back", async () => {
    const { projectId, fileId, base } = await sharedProject("Revoke");
    const editorOnA = edit(a.url, fileId, member);
    const editorOnB = edit(b.url, fileId, member);
    await Promise.all([editorOnA.synced(), editorOnB.synced()]);
    const socketOnA = await connect(a.url, member);
    const socketOnB = await connect(b.url, member);
    expect((await socketOnA.join(projectId)).ok).toBe(true);
    expect((await socketOnB.join(projectId)).ok).toBe(true);
    // Warm every per-request read on both nodes: the shared Redis cache answers them.
    const hits = async (node: ClusterNode) => {
      const metrics = (await node.api.get("/metrics")).body as string;
      return [...metrics.matchAll(/^cache_requests_total\{[^}]*result="hit"[^}]*\} (\d+)$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
    };
    for (const node of [a, b]) {
      const before = await hits(node);
      for (let i = 0; i < 3; i++) expect((await node.api.get(base, member.accessToken)).status).toBe(200);
      expect(await hits(node)).toBeGreaterThan(before);
    }

    // Downgraded to viewer on A: B's connection turns read-only too.
    const downgraded = await a.api.patch(
      `${base}/members/${member.id}`,
      { role: "viewer" },
      owner.accessToken,
    );
    expect(downgraded.status).toBe(200);
    await waitFor(
      () => {
        editorOnB.text.insert(0, "x");
        return editorOnB.denied.length > 0;
      },
      5_000,
      "B refuses the viewer's edit",
    );

    const removedAt = performance.now();
    expect((await a.api.delete(`${base}/members/${member.id}`, owner.accessToken)).status).toBe(204);
    await Promise.all([
      waitFor(() => editorOnA.closes.some((c) => c.code === 4403), 5_000, "A closes the collab connection"),
      waitFor(() => editorOnB.closes.some((c) => c.code === 4403), 5_000, "B closes the collab connection"),
      socketOnA.next("project:left", (left) => left.reason === "access_revoked"),
      socketOnB.next("project:left", (left) => left.reason === "access_revoked"),
    ]);
    console.log(`cut off on both nodes ${Math.round(performance.now() - removedAt)} ms after the removal`);
    for (const node of [a, b]) {
      expect((await node.api.get(base, member.accessToken)).status).toBe(404);
      expect((await socketOnB.join(projectId)).ok).toBe(false);
    }
  });

  it("a revoked session is signed out on both nodes: its collab and Socket.IO connections close", async () => {
    const { projectId, fileId } = await sharedProject("Sessions");
    const login = await b.api.post("/api/v1/auth/login", { email: member.email, password: member.password });
    expect(login.status).toBe(200);
    const laptop = { ...member, accessToken: login.body.accessToken as string };
    const editors = [edit(a.url, fileId, laptop), edit(b.url, fileId, laptop)];
    await Promise.all(editors.map((editor) => editor.synced()));
    const sockets = [await connect(a.url, laptop), await connect(b.url, laptop)];
    for (const socket of sockets) expect((await socket.join(projectId)).ok).toBe(true);
    const bystander = edit(b.url, fileId, member);
    await bystander.synced();

    const sessions = await a.api.get("/api/v1/sessions", member.accessToken);
    const laptopSession = sessions.body.items.find((session: { current: boolean }) => !session.current);
    expect(laptopSession).toBeDefined();
    // Revoked from the first session, through node A.
    expect((await a.api.delete(`/api/v1/sessions/${laptopSession.id}`, member.accessToken)).status).toBe(204);
    await Promise.all([
      ...editors.map((editor, i) =>
        waitFor(() => editor.closes.some((c) => c.code === 4401), 5_000, `collab on ${i ? "B" : "A"} closed`),
      ),
      ...sockets.map((socket) => socket.next("disconnect")),
    ]);
    // The member's other session is untouched.
    expect(bystander.closes).toEqual([]);
    expect((await b.api.get("/api/v1/me", laptop.accessToken)).status).toBe(401);
  });

  /** Each editor appends numbered tokens every few ms: what it typed is recorded, to find later. */
  function startTyping(editors: Editor[], label: string, everyMs = 20) {
    const typed: string[] = [];
    let round = 0;
    const timer = setInterval(() => {
      for (const [index, editor] of editors.entries()) {
        const token = `<${label}${index}.${round}>`;
        editor.text.insert(editor.text.length, token);
        typed.push(token);
      }
      round++;
    }, everyMs);
    return {
      typed,
      stop: () => clearInterval(timer),
    };
  }

  /**
   * Every editor holds every token anyone typed, and they agree; then so does the stored file. The
   * deadline is the "converge within 5 s" with room for a slow machine; it is well short of
   * the 15 s awareness renewal that would otherwise reveal a lost message by accident.
   */
  async function expectNothingLost(editors: Editor[], typed: string[], base: string, fileId: string) {
    const started = performance.now();
    await waitFor(
      () =>
        new Set(editors.map((editor) => editor.text.toString())).size === 1 &&
        typed.every((token) => editors[0]!.text.toString().includes(token)),
      10_000,
      "every editor converged on every typed token",
    );
    const convergedMs = Math.round(performance.now() - started);
    const text = editors[0]!.text.toString();
    for (const editor of editors) editor.destroy();
    editors.length = 0;
    const alive = cluster.nodes.filter(
      (node) => node.process.child.exitCode === null && !node.process.child.signalCode,
    );
    for (const node of alive) {
      const stored = await node.api.get(`${base}/files/${fileId}`, owner.accessToken);
      expect(stored.status).toBe(200);
      const missing = typed.filter((token) => !stored.body.content.includes(token));
      expect(missing).toEqual([]);
      expect(stored.body.content).toBe(text);
    }
    return convergedMs;
  }

  it("Redis restarted while clients edit on both nodes: all converge and the store holds every edit", async () => {
    const { fileId, base } = await sharedProject("Redis restart");
    const clients = [
      edit(a.url, fileId, owner),
      edit(a.url, fileId, member),
      edit(b.url, fileId, owner),
      edit(b.url, fileId, member),
    ];
    await Promise.all(clients.map((editor) => editor.synced()));
    const typing = startTyping(clients, "r");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await cluster.redis.restart(500);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    typing.stop();
    const convergedMs = await expectNothingLost(editors, typing.typed, base, fileId);
    console.log(
      `after a Redis restart: ${typing.typed.length} edits, converged ${convergedMs} ms after typing stopped`,
    );
  });

  it("updates published while the nodes' subscribers were cut off are repaired from the log, with no later edit to reveal the gap", async () => {
    const { fileId, base } = await sharedProject("Lost in transit");
    const onA = edit(a.url, fileId, owner);
    const onB = edit(b.url, fileId, member);
    await Promise.all([onA.synced(), onB.synced()]);
    onA.text.insert(0, "<before>");
    await waitFor(() => onB.text.toString().includes("<before>"), 5_000, "a first edit crosses");
    const admin = new Redis(cluster.redis.url);
    try {
      // Every pub/sub connection drops (as on an overflowing output buffer); publishers stay.
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
      onA.text.insert(onA.text.length, "<lost-from-A>");
      onB.text.insert(0, "<lost-from-B>");
    } finally {
      admin.disconnect();
    }
    await expectNothingLost([onA, onB], ["<before>", "<lost-from-A>", "<lost-from-B>"], base, fileId);
  });

  it("a deletion lost in transit (no new text, so no state-vector change) is repaired too", async () => {
    const { fileId } = await sharedProject("Lost deletion");
    const onA = edit(a.url, fileId, owner);
    const onB = edit(b.url, fileId, member);
    await Promise.all([onA.synced(), onB.synced()]);
    onA.text.insert(0, "keep<drop>keep");
    await waitFor(() => onB.text.toString() === "keep<drop>keep", 5_000, "the text crosses");
    const admin = new Redis(cluster.redis.url);
    try {
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
      onA.text.delete(4, "<drop>".length);
    } finally {
      admin.disconnect();
    }
    await waitFor(() => onB.text.toString() === "keepkeep", 10_000, "B loses the deleted text too");
  });

  it("kill -9 of node A while 10 clients type: they move to B through nginx and lose nothing; A's presence goes", async () => {
    const { projectId, fileId, base } = await sharedProject("Kill");
    const clients = Array.from({ length: 10 }, (_, i) =>
      edit(cluster.lb.url, fileId, i % 2 ? member : owner),
    );
    await Promise.all(clients.map((editor) => editor.synced()));
    const memberOnA = await connect(a.url, member);
    const ownerOnB = await connect(b.url, owner);
    expect((await memberOnA.join(projectId)).ok).toBe(true);
    expect((await ownerOnB.join(projectId)).ok).toBe(true);
    const present = async () =>
      (await ownerOnB.join(projectId)).presence.map((p: { userId: string }) => p.userId) as string[];
    expect(await present()).toContain(member.id);

    const typing = startTyping(clients, "k");
    await new Promise((resolve) => setTimeout(resolve, 700));
    await a.kill();
    const killedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    typing.stop();
    await expectNothingLost(editors, typing.typed, base, fileId);

    // The killed node's devices leave the presence list once their heartbeat expires (TTL 3 s here,
    // 30 s by default), and the room is told.
    await waitFor(async () => !(await present()).includes(member.id), 20_000, "A's presence gone");
    console.log(`A's presence gone ${Math.round(performance.now() - killedAt)} ms after kill -9 (TTL 3 s)`);
    await ownerOnB.next(
      "presence:update",
      (state) => state.userId === member.id && state.status === "offline",
    );
    await a.start();
  });

  it("a SIGTERM rolling restart of both nodes while clients type: no lost update, no failed REST call", async () => {
    const { projectId, fileId, base } = await sharedProject("Rolling");
    const clients = Array.from({ length: 6 }, (_, i) => edit(cluster.lb.url, fileId, i % 2 ? member : owner));
    await Promise.all(clients.map((editor) => editor.synced()));
    const typing = startTyping(clients, "s", 30);

    // A client of the API through nginx, which retries once on 502/503 or a dropped connection (as
    // the SDK and the web app do); what still fails after that is counted.
    const failures: string[] = [];
    let posted = 0;
    let calling = true;
    let phase = "before";
    const retrying = async (call: () => Promise<{ status: number }>, expected: number, what: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await call();
          if (response.status === expected) return;
          if (attempt < 3 && (response.status === 502 || response.status === 503)) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          failures.push(
            `${what}: ${response.status} ${phase} ${JSON.stringify((response as { body?: unknown }).body).slice(0, 200)}`,
          );
          return;
        } catch (error) {
          if (attempt < 3) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          failures.push(`${what}: ${(error as Error).message}`);
          return;
        }
      }
    };
    const api = new (a.api.constructor as new (url: string) => typeof a.api)(cluster.lb.url);
    const traffic = (async () => {
      while (calling) {
        await retrying(() => api.get(base, member.accessToken), 200, "GET project");
        await retrying(
          () =>
            api.post(`/api/v1/projects/${projectId}/messages`, { body: `r${posted}` }, member.accessToken),
          201,
          "POST message",
        );
        posted++;
      }
    })();

    for (const node of [a, b]) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      phase = `stopping ${node.name}`;
      const exitCode = await node.stop();
      // What each shutdown step took, for the CI log (a slow drain names its culprit).
      const steps = node.process
        .output()
        .split("\n")
        .filter((line) => line.includes("shutdown step") || line.includes("took too long"))
        .map((line) => {
          const entry = JSON.parse(line) as { step?: string; ms?: number; msg: string };
          return entry.step ? `${entry.step} ${entry.ms} ms` : entry.msg;
        });
      console.log(`node ${node.name} SIGTERM: ${steps.join("; ")}`);
      expect(exitCode).toBe(0);
      phase = `${node.name} down`;
      await new Promise((resolve) => setTimeout(resolve, 300));
      phase = `starting ${node.name}`;
      await node.start();
      phase = `${node.name} back`;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    typing.stop();
    calling = false;
    await traffic;
    await expectNothingLost(editors, typing.typed, base, fileId);
    expect(failures).toEqual([]);
    const listed = await a.api.get(`/api/v1/projects/${projectId}/messages?limit=100`, member.accessToken);
    expect(listed.body.items.length).toBeGreaterThanOrEqual(Math.min(posted, 100));
    console.log(`rolling restart: ${typing.typed.length} edits, ${posted} messages posted, 0 failed calls`);
  });
});
