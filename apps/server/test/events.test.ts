import type { DomainEvent } from "@codepark/protocol";
import { eventPayloadSchemas } from "@codepark/protocol/event-schemas";
import { registerUser, startTestServer, type TestServer, testStores, waitFor } from "@codepark/testing";
import { openEditor } from "@codepark/testing/collab";
import { and, asc, eq, gt } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transact } from "../src/domain/events/outbox.ts";
import { domainEvents, eventOutbox } from "../src/domain/events/schema.ts";
import { jobs } from "../src/domain/jobs/schema.ts";

describe.each(testStores())("the domain event log on %s", (store) => {
  let server: TestServer;
  let lastSeq = 0;

  beforeAll(async () => {
    server = await startTestServer(store, { COLLAB_UNLOAD_GRACE_MS: "20", COLLAB_COMPACT_EVERY: "1000" });
  });
  afterAll(() => server?.stop());

  /**
   * Events logged since the previous call, oldest first. Automatic checkpoints (version.created of
   * kind "auto", taken when a document unloads) are changes of their own, at times of their own;
   * they are left out here and counted in the coalescing test.
   */
  async function newEvents() {
    return (await allNewEvents()).filter(
      (row) =>
        !(
          row.type === "version.created" &&
          (row.data as { version: { kind: string } }).version.kind === "auto"
        ),
    );
  }
  async function allNewEvents() {
    const rows = await server.app.database.db
      .select()
      .from(domainEvents)
      .where(gt(domainEvents.seq, lastSeq))
      .orderBy(asc(domainEvents.seq));
    lastSeq = rows.at(-1)?.seq ?? lastSeq;
    for (const row of rows) {
      const schema = eventPayloadSchemas[row.type as keyof typeof eventPayloadSchemas];
      // Access events (session/API key revocation) are internal and have no public schema.
      if (schema) schema.parse(row.data);
    }
    return rows;
  }
  const typesOf = (rows: { type: string }[]) => rows.map((row) => row.type);

  /**
   * A fresh account once its user.created is logged: the sign-up's follow-up job logs it, moments
   * after the account exists (docs/accounts.md), so a test waits for it before counting events.
   */
  async function registered(name?: string) {
    const user = await registerUser(server.api, name);
    await waitFor(
      async () =>
        (
          await server.app.database.db
            .select()
            .from(domainEvents)
            .where(and(eq(domainEvents.type, "user.created"), eq(domainEvents.actorId, user.id)))
        ).length === 1,
      10_000,
      "user.created",
    );
    return user;
  }

  it("records every change's event exactly once, with a payload matching its published schema", async () => {
    await newEvents();
    const owner = await registered("Owner");
    const created = await newEvents();
    expect(typesOf(created)).toEqual(["user.created"]);
    expect(created[0]!.data).toMatchObject({ user: { id: owner.id, email: owner.email } });

    const project = (await server.api.post("/api/v1/projects", { name: "Evented" }, owner.accessToken)).body;
    expect(typesOf(await newEvents())).toEqual(["project.created"]);

    const base = `/api/v1/projects/${project.id}`;
    await server.api.patch(base, { name: "Renamed", description: "now with words" }, owner.accessToken);
    const updated = await newEvents();
    expect(typesOf(updated)).toEqual(["project.updated"]);
    expect(updated[0]!.data).toMatchObject({ changedFields: ["name", "description"] });
    expect(updated[0]!.actorId).toBe(owner.id);
    await server.api.patch(base, { name: "Renamed" }, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual([]);

    const bob = await registered("Bob");
    await newEvents();
    await server.api.post(`${base}/members`, { email: bob.email, role: "viewer" }, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual(["member.added"]);
    await server.api.patch(`${base}/members/${bob.id}`, { role: "editor" }, owner.accessToken);
    const roleChanged = await newEvents();
    expect(typesOf(roleChanged)).toEqual(["member.role_changed"]);
    expect(roleChanged[0]!.data).toMatchObject({ role: "editor", previousRole: "viewer" });
    await server.api.patch(`${base}/members/${bob.id}`, { role: "editor" }, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual([]);

    const file = (await server.api.post(`${base}/files`, { path: "a.ts", content: "one" }, owner.accessToken))
      .body;
    expect(typesOf(await newEvents())).toEqual(["file.created"]);
    const fileUrl = `${base}/files/${file.id}`;
    await server.api.patch(fileUrl, { content: "two" }, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual(["file.updated"]);
    await server.api.patch(fileUrl, { content: "two" }, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual([]);
    await server.api.patch(fileUrl, { path: "src/a.ts" }, owner.accessToken);
    const renamed = await newEvents();
    expect(typesOf(renamed)).toEqual(["file.renamed"]);
    expect(renamed[0]!.data).toMatchObject({ previousPath: "a.ts", file: { path: "src/a.ts" } });

    const version = (await server.api.post(`${fileUrl}/versions`, { name: "v-two" }, owner.accessToken)).body;
    expect(typesOf(await newEvents())).toEqual(["version.created"]);
    await server.api.patch(fileUrl, { content: "three" }, owner.accessToken);
    await newEvents();
    await server.api.post(`${fileUrl}/versions/${version.id}/restore`, {}, owner.accessToken);
    const restored = await newEvents();
    expect(typesOf(restored)).toEqual(["version.created", "version.restored", "file.updated"]);
    expect(restored[1]!.data).toMatchObject({
      versionId: version.id,
      savedVersionId: (restored[0]!.data as { version: { id: string } }).version.id,
    });

    await server.api.delete(`${base}/members/${bob.id}`, owner.accessToken);
    const removed = await newEvents();
    expect(typesOf(removed)).toEqual(["member.removed"]);
    expect(removed[0]!.audience).toEqual(expect.arrayContaining([bob.id, owner.id]));

    await server.api.delete(fileUrl, owner.accessToken);
    expect(typesOf(await newEvents())).toEqual(["file.deleted"]);
    await server.api.delete(base, owner.accessToken);
    const deleted = await newEvents();
    expect(typesOf(deleted)).toEqual(["project.deleted"]);
    expect(deleted[0]!.audience).toEqual([owner.id]);
  });

  it("logs nothing, and tells no transport, when the change rolls back", async () => {
    await newEvents();
    const heard: DomainEvent[] = [];
    const unsubscribe = server.app.ctx.events.subscribe((event) => heard.push(event));
    const jobsBefore = (await server.app.database.db.select().from(jobs)).length;
    try {
      await expect(
        transact(server.app.ctx, async (_tx, emit) => {
          emit({ type: "project.deleted", actorId: null, data: { projectId: "prj_never" } });
          throw new Error("the change fails after emitting");
        }),
      ).rejects.toThrow("the change fails after emitting");
      // A refused change through the API: adding an existing member violates a unique key.
      const owner = await registered();
      const project = (await server.api.post("/api/v1/projects", { name: "P" }, owner.accessToken)).body;
      await newEvents();
      heard.length = 0;
      const again = await server.api.post(
        `/api/v1/projects/${project.id}/members`,
        { email: owner.email, role: "editor" },
        owner.accessToken,
      );
      expect(again.status).toBe(409);
    } finally {
      unsubscribe();
    }
    expect(await newEvents()).toEqual([]);
    expect(heard).toEqual([]);
    // One user and one project were created meanwhile: the sign-up's follow-up job and the
    // verification email it queued (their events go through the outbox, not jobs); none for the failures.
    expect((await server.app.database.db.select().from(jobs)).length - jobsBefore).toBe(2);
  });

  it("coalesces live typing into one file.updated per compaction, not one per keystroke", async () => {
    const owner = await registered();
    const project = (await server.api.post("/api/v1/projects", { name: "Typing" }, owner.accessToken)).body;
    const file = (
      await server.api.post(`/api/v1/projects/${project.id}/files`, { path: "t.md" }, owner.accessToken)
    ).body;
    await newEvents();
    const editor = openEditor(server.baseUrl, file.id, owner.accessToken);
    try {
      await editor.synced();
      for (let i = 0; i < 40; i++) {
        editor.text.insert(editor.text.length, "x");
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const url = `/api/v1/projects/${project.id}/files/${file.id}`;
      await waitFor(
        async () => (await server.api.get(url, owner.accessToken)).body.content === "x".repeat(40),
      );
    } finally {
      editor.destroy();
    }
    // The last editor left: the document unloads, compacts once and takes one checkpoint.
    const events: Awaited<ReturnType<typeof newEvents>> = [];
    await waitFor(async () => {
      events.push(...(await allNewEvents()));
      return events.some((event) => event.type === "file.updated") && events.length >= 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    events.push(...(await allNewEvents()));
    expect(typesOf(events).sort()).toEqual(["file.updated", "version.created"]);
    const updated = events.find((event) => event.type === "file.updated")!;
    expect(updated.data).toMatchObject({ file: { id: file.id, size: 40 } });
  });

  it("hands every committed event to its consumers through the outbox, with no job per event", async () => {
    const owner = await registered();
    const project = (await server.api.post("/api/v1/projects", { name: "Dispatched" }, owner.accessToken))
      .body;
    const [created] = await server.app.database.db
      .select()
      .from(domainEvents)
      .where(and(eq(domainEvents.type, "project.created"), eq(domainEvents.projectId, project.id)));
    expect(created).toBeDefined();
    // Queued with the change, taken off once dispatched.
    await waitFor(async () => {
      const queued = await server.app.database.db
        .select()
        .from(eventOutbox)
        .where(eq(eventOutbox.seq, created!.seq));
      return queued.length === 0;
    });
    expect(await server.app.database.db.select().from(jobs).where(eq(jobs.name, "events.dispatch"))).toEqual(
      [],
    );
  });
});
