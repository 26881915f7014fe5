import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { PresenceState } from "@codepark/protocol";
import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { type Client, connectClient, openClient } from "@codepark/testing/realtime";
import { Registry } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryPresenceRegistry } from "../src/infra/presence/memory-registry.ts";
import { createRealtimeGateway } from "../src/transport/realtime/gateway.ts";

describe.each(testStores())("realtime gateway on %s", (store) => {
  let server: TestServer;
  let admin: TestUser;
  let owner: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const clients = new Set<Client>();

  beforeAll(async () => {
    server = await startTestServer(store);
    admin = await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Owner");
    bob = await registerUser(server.api, "Bob");
    carol = await registerUser(server.api, "Carol");
  });
  afterEach(() => {
    for (const client of clients) client.socket.disconnect();
    clients.clear();
  });
  afterAll(() => server?.stop());

  const open = (auth: Record<string, unknown> | undefined, baseUrl = server.baseUrl) => {
    const client = openClient(baseUrl, auth);
    clients.add(client);
    return client;
  };

  const connect = async (token: string, baseUrl = server.baseUrl) => {
    const client = await connectClient(baseUrl, token);
    clients.add(client);
    return client;
  };

  const connectError = (auth: Record<string, unknown> | undefined) =>
    open(auth).next("connect_error") as Promise<Error & { data?: { code: string } }>;

  const newProject = async (visibility: "private" | "public" = "private") => {
    const response = await server.api.post(
      "/api/v1/projects",
      { name: "Live", visibility },
      owner.accessToken,
    );
    expect(response.status).toBe(201);
    return response.body.id as string;
  };

  const addMember = async (projectId: string, user: TestUser, role = "editor") => {
    const response = await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: user.email, role },
      owner.accessToken,
    );
    expect(response.status).toBe(201);
  };

  const apiKey = async (user: TestUser, scopes: string[]) => {
    const response = await server.api.post("/api/v1/api-keys", { name: "rt", scopes }, user.accessToken);
    expect(response.status).toBe(201);
    return response.body as { id: string; key: string };
  };

  const metric = async (name: string) => {
    const text = (await server.api.get("/metrics")).body as string;
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };

  it("refuses a missing or bad credential with connect_error 'unauthorized'", async () => {
    for (const auth of [
      undefined,
      {},
      { token: "" },
      { token: 42 },
      { token: "not-a-jwt" },
      { token: "cpk_nope" },
    ]) {
      const error = await connectError(auth);
      expect(error.message, JSON.stringify(auth)).toBe("unauthorized");
    }
    const revoked = await registerUser(server.api, "Gone");
    await server.api.post("/api/v1/auth/logout", undefined, revoked.accessToken);
    const error = await connectError({ token: revoked.accessToken });
    expect(error).toMatchObject({ message: "unauthorized", data: { code: "session_revoked" } });

    // Access tokens and API keys both connect.
    await connect(owner.accessToken);
    await connect((await apiKey(owner, ["projects:read"])).key);
  });

  it("joins a project room only when the policy lets the caller read the project", async () => {
    const projectId = await newProject();
    const asOwner = await connect(owner.accessToken);
    const joined = await asOwner.join(projectId);
    expect(joined).toMatchObject({ ok: true, deviceId: expect.any(String) });
    expect(joined.presence).toEqual([
      expect.objectContaining({
        userId: owner.id,
        name: "Owner",
        status: "online",
        devices: [expect.anything()],
      }),
    ]);

    const asBob = await connect(bob.accessToken);
    expect(await asBob.join(projectId)).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await asBob.join("prj_doesnotexist")).toMatchObject({ ok: false, error: { code: "not_found" } });
    await addMember(projectId, bob, "viewer");
    const asMember = await asBob.join(projectId);
    expect(asMember.ok).toBe(true);
    expect(asMember.presence.map((p: PresenceState) => p.userId).sort()).toEqual([owner.id, bob.id].sort());
    expect(await asBob.join(projectId)).toMatchObject({ ok: true }); // joining again is harmless

    // API keys: a non-member's key sees nothing; the owner's needs projects:read.
    const carolKey = await connect((await apiKey(carol, ["projects:read"])).key);
    expect(await carolKey.join(projectId)).toMatchObject({ ok: false, error: { code: "not_found" } });
    const writeOnly = await connect((await apiKey(owner, ["projects:write"])).key);
    expect(await writeOnly.join(projectId)).toMatchObject({
      ok: false,
      error: { code: "insufficient_scope" },
    });
    const reader = await connect((await apiKey(owner, ["projects:read"])).key);
    expect(await reader.join(projectId)).toMatchObject({ ok: true });

    // A public project is readable by anyone signed in.
    const open = await newProject("public");
    expect(await (await connect(carol.accessToken)).join(open)).toMatchObject({ ok: true });
  });

  it("tracks presence across two devices of one user, as another member sees it", async () => {
    const projectId = await newProject();
    await addMember(projectId, bob);
    const observer = await connect(owner.accessToken);
    await observer.join(projectId);
    const laptop = await connect(bob.accessToken);
    const phone = await connect(bob.accessToken);
    const ofBob = (check: (p: PresenceState) => boolean) => (p: PresenceState) =>
      p.userId === bob.id && check(p);

    const laptopDevice = (await laptop.join(projectId)).deviceId;
    await observer.next(
      "presence:update",
      ofBob((p) => p.status === "online" && p.devices.length === 1),
    );
    await phone.join(projectId);
    await observer.next(
      "presence:update",
      ofBob((p) => p.status === "online" && p.devices.length === 2),
    );

    const update = await laptop.ack("presence:update", { projectId, status: "away", fileId: "fil_main" });
    expect(update).toMatchObject({ ok: true, presence: { status: "online", fileIds: ["fil_main"] } });
    const oneAway = await observer.next(
      "presence:update",
      ofBob((p) => p.fileIds.length === 1),
    );
    expect(oneAway.status).toBe("online"); // the phone is still online
    expect(oneAway.devices).toContainEqual(
      expect.objectContaining({ deviceId: laptopDevice, status: "away", fileId: "fil_main" }),
    );

    await phone.ack("presence:update", { projectId, status: "away", fileId: "fil_readme" });
    const away = await observer.next(
      "presence:update",
      ofBob((p) => p.status === "away"),
    );
    expect(away.fileIds.sort()).toEqual(["fil_main", "fil_readme"]);
    expect(Number.isNaN(Date.parse(away.lastSeen))).toBe(false);

    laptop.socket.disconnect();
    const phoneOnly = await observer.next(
      "presence:update",
      ofBob((p) => p.devices.length === 1),
    );
    expect(phoneOnly).toMatchObject({ status: "away", fileIds: ["fil_readme"] });
    phone.socket.disconnect();
    const offline = await observer.next(
      "presence:update",
      ofBob((p) => p.status === "offline"),
    );
    expect(offline).toMatchObject({ devices: [], fileIds: [], name: "Bob" });
    expect(Date.parse(offline.lastSeen)).toBeGreaterThanOrEqual(Date.parse(away.lastSeen));
    expect(
      (await observer.ack("project:join", { projectId })).presence.map((p: PresenceState) => p.userId),
    ).toEqual([owner.id]);
  });

  it("relays typing to the others in the room, stamped with the sender, never to the sender", async () => {
    const projectId = await newProject();
    await addMember(projectId, bob);
    const asOwner = await connect(owner.accessToken);
    const asBob = await connect(bob.accessToken);
    const outsider = await connect(carol.accessToken);
    expect(await asBob.ack("typing", { projectId, fileId: "fil_1" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    await asOwner.join(projectId);
    await asBob.join(projectId);

    expect(await asBob.ack("typing", { projectId, fileId: "fil_1" })).toEqual({ ok: true });
    expect(await asOwner.next("typing")).toEqual({ projectId, fileId: "fil_1", userId: bob.id, name: "Bob" });
    // Posing as someone else is not a field the server accepts.
    const spoof = await asBob.ack("typing", { projectId, userId: owner.id, name: "Owner" });
    expect(spoof).toMatchObject({ ok: false, error: { code: "validation_failed" } });
    asBob.socket.emit("typing", { projectId }); // fire and forget works too
    expect(await asOwner.next("typing")).toEqual({ projectId, fileId: null, userId: bob.id, name: "Bob" });
    await asBob.barrier();
    expect(asBob.seen("typing")).toEqual([]);
    expect(outsider.seen("typing")).toEqual([]);
    expect(await outsider.ack("typing", { projectId })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
  });

  it("relays project and member events to the room with the actor", async () => {
    const projectId = await newProject();
    const room = await connect(owner.accessToken);
    await room.join(projectId);
    const bobElsewhere = await connect(bob.accessToken); // not in the room: gets only news about himself
    const patched = await server.api.patch(
      `/api/v1/projects/${projectId}`,
      { description: "live" },
      owner.accessToken,
    );
    expect(patched.status).toBe(200);
    expect(await room.next("project.updated")).toMatchObject({
      projectId,
      changedFields: ["description"],
      actorId: owner.id,
      project: { id: projectId, description: "live" },
    });

    await addMember(projectId, bob, "viewer");
    expect(await room.next("member.added")).toEqual({
      projectId,
      userId: bob.id,
      role: "viewer",
      actorId: owner.id,
    });
    await server.api.patch(
      `/api/v1/projects/${projectId}/members/${bob.id}`,
      { role: "editor" },
      owner.accessToken,
    );
    expect(await room.next("member.role_changed")).toEqual({
      projectId,
      userId: bob.id,
      role: "editor",
      previousRole: "viewer",
      actorId: owner.id,
    });
    await server.api.delete(`/api/v1/projects/${projectId}/members/${bob.id}`, owner.accessToken);
    expect(await room.next("member.removed")).toEqual({ projectId, userId: bob.id, actorId: owner.id });
    expect((await bobElsewhere.next("member.added")).role).toBe("viewer");
    expect((await bobElsewhere.next("member.role_changed")).role).toBe("editor");
    expect(await bobElsewhere.next("member.removed")).toEqual({
      projectId,
      userId: bob.id,
      actorId: owner.id,
    });
    expect(bobElsewhere.seen("project.updated")).toEqual([]);

    const files = `/api/v1/projects/${projectId}/files`;
    const created = await server.api.post(files, { path: "src/a.ts", content: "a" }, owner.accessToken);
    expect(created.status).toBe(201);
    const fileId = created.body.id;
    expect(await room.next("file.created")).toEqual({
      projectId,
      actorId: owner.id,
      file: {
        id: fileId,
        projectId,
        path: "src/a.ts",
        language: "typescript",
        size: 1,
        updatedAt: expect.any(String),
      },
    });
    await server.api.patch(`${files}/${fileId}`, { path: "src/b.ts" }, owner.accessToken);
    expect(await room.next("file.renamed")).toMatchObject({
      projectId,
      previousPath: "src/a.ts",
      file: { id: fileId, path: "src/b.ts" },
      actorId: owner.id,
    });
    await server.api.put(`${files}/${fileId}`, { content: "bb" }, owner.accessToken);
    expect(await room.next("file.updated")).toMatchObject({ projectId, file: { id: fileId, size: 2 } });
    expect((await server.api.delete(`${files}/${fileId}`, owner.accessToken)).status).toBe(204);
    expect(await room.next("file.deleted")).toEqual({
      projectId,
      fileId,
      path: "src/b.ts",
      actorId: owner.id,
    });
  });

  it("a removed member leaves the room and stops receiving the project's events", async () => {
    const projectId = await newProject();
    await addMember(projectId, bob);
    const asOwner = await connect(owner.accessToken);
    const asBob = await connect(bob.accessToken);
    await asOwner.join(projectId);
    await asBob.join(projectId);

    // An event committed while bob's access is being re-checked must not reach him either.
    const { events } = server.app.ctx;
    const unsubscribe = events.subscribe((event) => {
      if (event.type !== "member.removed" || event.data.projectId !== projectId) return;
      events.publish({
        type: "file.deleted",
        actorId: owner.id,
        data: { projectId, fileId: "fil_z", path: "z" },
      });
    });
    try {
      await server.api.delete(`/api/v1/projects/${projectId}/members/${bob.id}`, owner.accessToken);
    } finally {
      unsubscribe();
    }
    expect(await asOwner.next("file.deleted")).toMatchObject({ fileId: "fil_z" });
    expect(await asBob.next("member.removed")).toMatchObject({ projectId, userId: bob.id });
    expect(await asBob.next("project:left")).toEqual({ projectId, reason: "access_revoked" });
    await asOwner.next("presence:update", (p) => p.userId === bob.id && p.status === "offline");

    await server.api.patch(`/api/v1/projects/${projectId}`, { name: "Secret" }, owner.accessToken);
    await asOwner.next("project.updated");
    await asBob.barrier();
    expect(asBob.seen("project.updated")).toEqual([]);
    expect(asBob.seen("file.deleted")).toEqual([]);
    expect(await asBob.ack("typing", { projectId })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await asBob.join(projectId)).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("re-checks with the policy: a removed member of a public project stays, going private evicts outsiders", async () => {
    const projectId = await newProject("public");
    await addMember(projectId, bob);
    const asOwner = await connect(owner.accessToken);
    const asBob = await connect(bob.accessToken);
    const asCarol = await connect(carol.accessToken);
    for (const client of [asOwner, asBob, asCarol]) await client.join(projectId);

    await server.api.delete(`/api/v1/projects/${projectId}/members/${bob.id}`, owner.accessToken);
    await server.api.patch(
      `/api/v1/projects/${projectId}`,
      { description: "still public" },
      owner.accessToken,
    );
    expect(await asBob.next("project.updated")).toMatchObject({ changedFields: ["description"] });
    expect(asBob.seen("project:left")).toEqual([]);

    await server.api.patch(`/api/v1/projects/${projectId}`, { visibility: "private" }, owner.accessToken);
    expect(await asCarol.next("project:left")).toEqual({ projectId, reason: "access_revoked" });
    expect(await asBob.next("project:left")).toEqual({ projectId, reason: "access_revoked" });
    await server.api.patch(
      `/api/v1/projects/${projectId}`,
      { description: "members only" },
      owner.accessToken,
    );
    await asOwner.next(
      "project.updated",
      (e) => e.changedFields.includes("description") && e.project.description === "members only",
    );
    await asCarol.barrier();
    expect(asCarol.seen("project.updated").map((e) => e.changedFields)).toEqual([
      ["description"],
      ["visibility"],
    ]);
  });

  it("a deleted project empties its room; a demoted admin loses projects they are not a member of", async () => {
    const projectId = await newProject();
    const asOwner = await connect(owner.accessToken);
    await asOwner.join(projectId);
    // Carol becomes an admin, reads the private project as one, and is demoted again.
    await server.api.patch(`/api/v1/users/${carol.id}`, { role: "admin" }, admin.accessToken);
    const asCarol = await connect(carol.accessToken);
    expect(await asCarol.join(projectId)).toMatchObject({ ok: true });
    await server.api.patch(`/api/v1/users/${carol.id}`, { role: "user" }, admin.accessToken);
    expect(await asCarol.next("project:left")).toEqual({ projectId, reason: "access_revoked" });

    await server.api.delete(`/api/v1/projects/${projectId}`, owner.accessToken);
    expect(await asOwner.next("project.deleted")).toEqual({ projectId, actorId: owner.id });
    expect(await asOwner.next("project:left")).toEqual({ projectId, reason: "project_deleted" });
  });

  it("revoking a session or an API key disconnects the sockets that used it, and only those", async () => {
    const user = await registerUser(server.api, "Dana");
    const login = await server.api.post("/api/v1/auth/login", { email: user.email, password: user.password });
    const key = await apiKey(user, ["projects:read"]);
    const first = await connect(user.accessToken);
    const second = await connect(login.body.accessToken);
    const viaKey = await connect(key.key);

    const sessions = await server.api.get("/api/v1/sessions", user.accessToken);
    const other = sessions.body.items.find((s: { current: boolean }) => !s.current);
    expect((await server.api.delete(`/api/v1/sessions/${other.id}`, user.accessToken)).status).toBe(204);
    expect(await second.next("disconnect")).toBe("io server disconnect");
    await first.barrier();
    await viaKey.barrier();

    expect((await server.api.delete(`/api/v1/api-keys/${key.id}`, user.accessToken)).status).toBe(204);
    expect(await viaKey.next("disconnect")).toBe("io server disconnect");
    await first.barrier();

    await server.api.post("/api/v1/auth/logout", undefined, user.accessToken);
    expect(await first.next("disconnect")).toBe("io server disconnect");
  });

  it("answers garbage with validation_failed and keeps serving everyone", async () => {
    const projectId = await newProject();
    await addMember(projectId, bob);
    const asOwner = await connect(owner.accessToken);
    await asOwner.join(projectId);
    const noisy = await connect(bob.accessToken);
    const garbage: [string, ...unknown[]][] = [
      ["project:join"],
      ["project:join", 42],
      ["project:join", "prj_x"],
      ["project:join", null],
      ["project:join", { projectId: 5 }],
      ["project:join", { projectId: "../../etc" }],
      ["project:join", { projectId: "x".repeat(65) }],
      ["project:join", { projectId, extra: true }],
      ["project:join", [projectId]],
      ["project:leave", {}],
      ["presence:update", { projectId, status: "offline" }],
      ["presence:update", { projectId, fileId: 7 }],
      ["typing", { projectId, fileId: { $ne: 1 } }],
      ["typing", "x", "y", "z"],
      ["project:join", Buffer.from([1, 2, 3])],
    ];
    for (const [event, ...args] of garbage) {
      const answer = await noisy.ack(event, ...args);
      expect(answer, `${event} ${JSON.stringify(args)}`).toMatchObject({
        ok: false,
        error: { code: "validation_failed", message: expect.any(String) },
      });
    }
    expect(await noisy.ack("no:such:event", { projectId })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    noisy.socket.emit("project:join" as any, { projectId: 1 }); // no acknowledgement to answer
    noisy.socket.emit("hello" as any);
    noisy.socket.emit("presence:update" as any, { projectId, status: "online" }, () => {}, "extra");

    // A frame over the size limit costs only its sender the connection.
    const huge = await connect(bob.accessToken);
    huge.socket.emit("typing", { projectId, fileId: "x".repeat(100_000) });
    expect(["transport close", "transport error"]).toContain(await huge.next("disconnect"));

    expect(noisy.socket.connected).toBe(true);
    expect(await noisy.join(projectId)).toMatchObject({ ok: true });
    expect(await asOwner.ack("typing", { projectId })).toEqual({ ok: true });
    expect(await noisy.next("typing")).toMatchObject({ userId: owner.id });
  });

  it("limits how fast one connection may send events", async () => {
    const projectId = await newProject();
    const flood = await connect(owner.accessToken);
    await flood.join(projectId);
    const answers = await Promise.all(Array.from({ length: 120 }, () => flood.ack("typing", { projectId })));
    const limited = answers.filter((a) => a.ok === false && a.error.code === "rate_limited").length;
    expect(limited).toBeGreaterThan(0); // 120 at once outrun a burst of 60 refilled at 30/s
    expect(answers.length - limited).toBeGreaterThanOrEqual(55);
  });

  it("leaves no presence behind after many connects, joins and disconnects", async () => {
    const projectId = await newProject();
    const members = [bob, carol, await registerUser(server.api, "Eve")];
    for (const member of members) await addMember(projectId, member);
    const observer = await connect(owner.accessToken);
    await observer.join(projectId);

    // Some leave while their join is still being authorized (a race on purpose: the delays vary where
    // the disconnect lands; whichever way it goes, nothing may stay behind).
    for (let i = 0; i < 8; i++) {
      const hasty = await connect(members[i % 3]!.accessToken);
      hasty.socket.emit("project:join", { projectId }, () => {});
      await new Promise((resolve) => setTimeout(resolve, i % 4));
      hasty.socket.disconnect();
    }
    const sockets = await Promise.all(
      Array.from({ length: 30 }, (_, i) => connect(members[i % 3]!.accessToken)),
    );
    await Promise.all(sockets.map((socket) => socket.join(projectId)));
    await Promise.all(
      sockets.map((socket, i) =>
        socket.ack("presence:update", { projectId, status: i % 2 ? "away" : "online", fileId: `fil_${i}` }),
      ),
    );
    expect(await metric("presence_devices")).toBe(31);
    for (const [i, socket] of sockets.entries()) {
      if (i % 3 === 0) await socket.ack("project:leave", { projectId });
      socket.socket.disconnect();
    }
    for (const member of members) {
      await observer.next("presence:update", (p) => p.userId === member.id && p.status === "offline");
    }
    observer.socket.disconnect();
    const lastOut = await connect(owner.accessToken); // a fresh connection: the observer's disconnect has been handled
    await lastOut.barrier();
    expect(await metric('presence_members{status="online"}')).toBe(0);
    expect(await metric('presence_members{status="away"}')).toBe(0);
    expect(await metric("presence_devices")).toBe(0);
    expect(await metric("realtime_connections")).toBe(1);
    expect(await metric('realtime_events_total{direction="in",event="project:join"}')).toBeGreaterThan(30);
  });

  it("announces a dead node's users as offline when their presence expires", async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const presence = new MemoryPresenceRegistry({ ttlMs: 60_000, clock: server.app.ctx.clock });
    const gateway = createRealtimeGateway({
      httpServer: http,
      ctx: server.app.ctx,
      registry: new Registry(),
      log: server.app.http.log,
      presence,
      presenceSweepMs: 20,
    });
    try {
      const projectId = await newProject();
      await addMember(projectId, bob);
      const observer = await connect(owner.accessToken, baseUrl);
      await observer.join(projectId);
      // Bob on a node that was killed: its last heartbeat was two minutes ago.
      const killedAt = new Date(server.app.ctx.clock.now().getTime() - 120_000);
      await presence.join(projectId, "dev_on_dead_node", { userId: bob.id, name: "Bob" }, killedAt);
      const offline = await observer.next("presence:update", (p) => p.userId === bob.id);
      expect(offline).toMatchObject({ projectId, status: "offline", devices: [] });
      expect((await observer.join(projectId)).presence.map((p: PresenceState) => p.userId)).toEqual([
        owner.id,
      ]);
    } finally {
      await gateway.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it("close() ends every connection but leaves the HTTP server serving", async () => {
    const http = createServer((_request, response) => response.end("still here"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const gateway = createRealtimeGateway({
      httpServer: http,
      ctx: server.app.ctx,
      registry: new Registry(),
      log: server.app.http.log,
      presence: new MemoryPresenceRegistry(),
    });
    try {
      const client = await connect(owner.accessToken, baseUrl);
      await gateway.close();
      expect(await client.next("disconnect")).toBe("transport close");
      expect(await (await fetch(baseUrl)).text()).toBe("still here");
      const refused = open({ token: owner.accessToken }, baseUrl);
      await refused.next("connect_error");
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
