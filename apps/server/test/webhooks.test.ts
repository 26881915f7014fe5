import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { WebhookReceiver } from "@codepark/testing/webhooks";
import type { PGlite } from "@electric-sql/pglite";
import { eq, inArray } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../src/domain/ids.ts";
import { jobs } from "../src/domain/jobs/schema.ts";
import type { Db } from "../src/domain/ports/database.ts";
import { webhookDeliverer } from "../src/domain/webhooks/deliver.ts";
import { fanOutToWebhooks } from "../src/domain/webhooks/fanout.ts";
import { webhookAttempts, webhookDeliveries } from "../src/domain/webhooks/schema.ts";

const QUICK_SCHEDULE = "100ms,100ms,100ms,100ms";

describe.each(testStores())("webhooks on %s", (store) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let owner: TestUser;

  beforeAll(async () => {
    server = await startTestServer(store, {
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRY_SCHEDULE: QUICK_SCHEDULE,
      JOBS_POLL_INTERVAL_MS: "50",
    });
    owner = await registerUser(server.api, "Hook Owner");
  });
  afterAll(() => server?.stop());
  // Each test has its own receiver and leaves no endpoint behind, so deliveries never cross tests.
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    const hooks = (await server.api.get("/api/v1/webhooks?limit=100", owner.accessToken)).body.items;
    for (const hook of hooks) await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
    await receiver.close();
  });

  async function createHook(user: TestUser, events: string[], url = receiver.url) {
    const response = await server.api.post("/api/v1/webhooks", { url, events }, user.accessToken);
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string };
  }
  async function newProject(user: TestUser, name = "Hooked") {
    return (await server.api.post("/api/v1/projects", { name }, user.accessToken)).body as { id: string };
  }
  /** The server's store through a drizzle instance of its own that counts the statements it runs. */
  function countingDb(): { db: Db; statements: () => number } {
    let statements = 0;
    // Transaction control aside: node-postgres's session logs BEGIN and COMMIT, PGlite's does not.
    const logger = {
      logQuery: (query: string) => {
        if (!/^\s*(begin|commit|rollback)\b/i.test(query)) statements++;
      },
    };
    const client = (server.app.database.db as unknown as { $client: unknown }).$client;
    const db = (store === "pglite"
      ? drizzlePglite({ client: client as PGlite, logger })
      : drizzlePg({ client: client as pg.Pool, logger })) as unknown as Db;
    return { db, statements: () => statements };
  }
  const deliveriesFor = (hookId: string, user = owner) =>
    server.api.get(`/api/v1/webhooks/${hookId}/deliveries`, user.accessToken);

  it("creates, lists, reads, updates and deletes endpoints; the secret is shown only at creation", async () => {
    const created = await createHook(owner, ["project.updated"]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const listed = await server.api.get("/api/v1/webhooks", owner.accessToken);
    expect(listed.body.items.map((hook: { id: string }) => hook.id)).toContain(created.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    const read = await server.api.get(`/api/v1/webhooks/${created.id}`, owner.accessToken);
    expect(read.body).toMatchObject({
      id: created.id,
      url: receiver.url,
      active: true,
      events: ["project.updated"],
    });
    expect(read.body.secret).toBeUndefined();
    const updated = await server.api.put(
      `/api/v1/webhooks/${created.id}`,
      { description: "deploys", active: false },
      owner.accessToken,
    );
    expect(updated.body).toMatchObject({ description: "deploys", active: false });
    const stranger = await registerUser(server.api);
    expect((await server.api.get(`/api/v1/webhooks/${created.id}`, stranger.accessToken)).status).toBe(404);
    const unknownEvent = await server.api.post(
      "/api/v1/webhooks",
      { url: receiver.url, events: ["project.exploded"] },
      owner.accessToken,
    );
    expect(unknownEvent.status).toBe(400);
    expect((await server.api.delete(`/api/v1/webhooks/${created.id}`, owner.accessToken)).status).toBe(204);
    expect((await server.api.get(`/api/v1/webhooks/${created.id}`, owner.accessToken)).status).toBe(404);
  });

  it("delivers signed events that the standardwebhooks package verifies, without blocking the request", async () => {
    const hook = await createHook(owner, ["project.updated", "project.created"]);
    const before = receiver.received.length;
    // A hung receiver must not hold up the API request that caused the event.
    receiver.respondWith(({ count }) => (count === 1 ? { status: 200, hang: true } : { status: 204 }));
    const project = await newProject(owner);
    const started = Date.now();
    const patched = await server.api.patch(
      `/api/v1/projects/${project.id}`,
      { name: "Hooked 2" },
      owner.accessToken,
    );
    expect(patched.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    receiver.respondWith(() => ({ status: 204 }));
    await receiver.waitFor(() => receiver.received.length - before >= 2);
    for (const delivery of receiver.received.slice(before)) {
      const payload = WebhookReceiver.verify(delivery, hook.secret) as { type: string; data: unknown };
      expect(["project.created", "project.updated"]).toContain(payload.type);
      expect(delivery.headers["content-type"]).toBe("application/json");
    }
    const updatedDelivery = receiver.received
      .slice(before)
      .find((d) => JSON.parse(d.body).type === "project.updated");
    expect(JSON.parse(updatedDelivery!.body)).toMatchObject({
      type: "project.updated",
      timestamp: expect.any(String),
      data: { projectId: project.id, changedFields: ["name"], project: { name: "Hooked 2" } },
    });
    await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
  });

  it("retries a failing receiver on the schedule with the same webhook-id, and logs each attempt", async () => {
    const hook = await createHook(owner, ["project.created"]);
    receiver.respondWith(({ count }) => (count <= 3 ? { status: 500 } : { status: 204 }));
    const before = receiver.received.length;
    await newProject(owner, "Flaky");
    await receiver.waitFor(() => receiver.accepted.length > 0 && receiver.received.length - before >= 4);
    const attempts = receiver.received.slice(before);
    expect(attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 204]);
    expect(new Set(attempts.map((attempt) => attempt.id)).size).toBe(1);
    for (const attempt of attempts) WebhookReceiver.verify(attempt, hook.secret);
    // Each retry waited at least its step of the schedule.
    for (let i = 1; i < attempts.length; i++) {
      expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(90);
    }
    await waitFor(async () => (await deliveriesFor(hook.id)).body.items[0]?.status === "succeeded");
    const [delivery] = (await deliveriesFor(hook.id)).body.items;
    expect(delivery.id).toBe(attempts[0]!.id);
    expect(delivery.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([
      500, 500, 500, 204,
    ]);
    expect(delivery.attempts[0]).toMatchObject({ responseExcerpt: "receiver says hi", error: null });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
  });

  it("honours Retry-After over a shorter schedule step", async () => {
    const hook = await createHook(owner, ["project.created"]);
    receiver.respondWith(({ count }) =>
      count === 1 ? { status: 503, headers: { "retry-after": "1" } } : { status: 204 },
    );
    const before = receiver.received.length;
    await newProject(owner, "Busy");
    await receiver.waitFor(() => receiver.received.length - before >= 2);
    const [first, second] = receiver.received.slice(before);
    expect(second!.id).toBe(first!.id);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
  });

  it("gives up after the schedule; a failed delivery can be retried by hand with the same id", async () => {
    const hook = await createHook(owner, ["project.created"]);
    receiver.respondWith(() => ({ status: 502 }));
    const before = receiver.received.length;
    await newProject(owner, "Down");
    await waitFor(async () => (await deliveriesFor(hook.id)).body.items[0]?.status === "failed", 15_000);
    const attempts = receiver.received.slice(before);
    expect(attempts).toHaveLength(QUICK_SCHEDULE.split(",").length + 1);
    const [failed] = (await deliveriesFor(hook.id)).body.items;
    receiver.respondWith(() => ({ status: 204 }));
    const retried = await server.api.post(
      `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/retry`,
      {},
      owner.accessToken,
    );
    expect(retried.status).toBe(202);
    await waitFor(async () => (await deliveriesFor(hook.id)).body.items[0]?.status === "succeeded");
    expect(receiver.accepted.at(-1)!.id).toBe(failed.id);
    const again = await server.api.post(
      `/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/retry`,
      {},
      owner.accessToken,
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("not_retryable");
    await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
  });

  it("switches an endpoint off on 410 Gone and tells its owner's other endpoints", async () => {
    const watcher = await createHook(owner, ["webhook.disabled"]);
    const gone = await createHook(owner, ["project.created"], `${receiver.url}?gone`);
    receiver.respondWith(() => ({ status: 204 }));
    const goneReceiver = await WebhookReceiver.start();
    try {
      await server.api.put(`/api/v1/webhooks/${gone.id}`, { url: goneReceiver.url }, owner.accessToken);
      goneReceiver.respondWith(() => ({ status: 410 }));
      const before = receiver.received.length;
      await newProject(owner, "Gone");
      await waitFor(
        async () =>
          (await server.api.get(`/api/v1/webhooks/${gone.id}`, owner.accessToken)).body.active === false,
      );
      const state = (await server.api.get(`/api/v1/webhooks/${gone.id}`, owner.accessToken)).body;
      expect(state.disabledReason).toBe("gone");
      await receiver.waitFor(() =>
        receiver.received
          .slice(before)
          .some((delivery) => JSON.parse(delivery.body).type === "webhook.disabled"),
      );
      const notice = receiver.received
        .slice(before)
        .find((d) => JSON.parse(d.body).type === "webhook.disabled")!;
      expect(WebhookReceiver.verify(notice, watcher.secret)).toMatchObject({
        data: { webhookId: gone.id, reason: "gone", ownerId: owner.id },
      });
      expect(goneReceiver.received).toHaveLength(1);
      // The owner is told in their inbox too.
      await waitFor(async () => {
        const inbox = await server.api.get("/api/v1/notifications", owner.accessToken);
        return inbox.body.items.some(
          (item: { kind: string; data: { webhookId?: string } }) =>
            item.kind === "webhook_disabled" && item.data.webhookId === gone.id,
        );
      });
      // Switching it back on clears the reason.
      const revived = await server.api.put(
        `/api/v1/webhooks/${gone.id}`,
        { active: true },
        owner.accessToken,
      );
      expect(revived.body).toMatchObject({ active: true, disabledReason: null });
    } finally {
      await goneReceiver.close();
      await server.api.delete(`/api/v1/webhooks/${gone.id}`, owner.accessToken);
      await server.api.delete(`/api/v1/webhooks/${watcher.id}`, owner.accessToken);
    }
  });

  it("sends each user only events about projects they can read; user.created only to admins", async () => {
    // The first account of this server is the admin: `owner`.
    expect(owner.role).toBe("admin");
    const alice = await registerUser(server.api, "Alice");
    const outsider = await registerUser(server.api, "Outsider");
    const aliceReceiver = await WebhookReceiver.start();
    const outsiderReceiver = await WebhookReceiver.start();
    try {
      await createHook(alice, ["project.updated", "user.created", "member.removed"], aliceReceiver.url);
      await createHook(outsider, ["project.updated", "user.created"], outsiderReceiver.url);
      const adminHook = await createHook(owner, ["user.created"]);
      receiver.respondWith(() => ({ status: 204 }));
      const before = receiver.received.length;

      const project = await newProject(alice, "Private to Alice");
      await server.api.patch(
        `/api/v1/projects/${project.id}`,
        { description: "secret plans" },
        alice.accessToken,
      );
      const newcomer = await registerUser(server.api, "Newcomer");
      await server.api.post(
        `/api/v1/projects/${project.id}/members`,
        { email: newcomer.email, role: "viewer" },
        alice.accessToken,
      );
      await server.api.delete(`/api/v1/projects/${project.id}/members/${newcomer.id}`, alice.accessToken);

      await aliceReceiver.waitFor(() => aliceReceiver.received.length >= 2);
      await receiver.waitFor(() =>
        receiver.received.slice(before).some((d) => JSON.parse(d.body).data.user?.id === newcomer.id),
      );
      // Give any wrongly routed delivery time to arrive before asserting it did not.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(aliceReceiver.received.map((d) => JSON.parse(d.body).type).sort()).toEqual([
        "member.removed",
        "project.updated",
      ]);
      expect(outsiderReceiver.received).toEqual([]);
      const adminSaw = receiver.received
        .slice(before)
        .map((d) => WebhookReceiver.verify(d, adminHook.secret));
      expect(adminSaw).toContainEqual(expect.objectContaining({ type: "user.created" }));
    } finally {
      await aliceReceiver.close();
      await outsiderReceiver.close();
    }
  });
  it("fans many events out in two statements, each to the endpoints allowed to see it", async () => {
    const alice = await registerUser(server.api, "Alice");
    const outsider = await registerUser(server.api, "Outsider");
    const adminHook = await createHook(owner, ["project.updated", "user.created"]);
    const aliceHook = await createHook(alice, ["project.updated"]);
    const outsiderHook = await createHook(outsider, ["project.updated"]);
    const privateProject = await newProject(alice, "Alice only");
    const publicProject = await newProject(owner, "For all");
    await server.api.patch(
      `/api/v1/projects/${publicProject.id}`,
      { visibility: "public" },
      owner.accessToken,
    );
    const now = server.clock.now();
    const event = (id: string, type: string, projectId: string | null, data: object) => ({
      seq: 0,
      id,
      type,
      actorId: null,
      projectId,
      data,
      audience: null,
      occurredAt: now,
    });
    const tag = newId("evt", now.getTime());
    const events = [
      event(`${tag}_private`, "project.updated", privateProject.id, { projectId: privateProject.id }),
      event(`${tag}_public`, "project.updated", publicProject.id, { projectId: publicProject.id }),
      event(`${tag}_user`, "user.created", null, { user: { id: "usr_x" } }),
      // Not a webhook event: nobody gets it.
      event(`${tag}_internal`, "notification.created", null, {}),
    ];
    const counted = countingDb();
    const made = await counted.db.transaction((tx) =>
      fanOutToWebhooks(tx, server.clock, server.app.ctx.webhooks, events),
    );
    // The read and the write.
    expect(counted.statements()).toBe(2);

    const db = server.app.database.db;
    const rows = await db
      .select()
      .from(webhookDeliveries)
      .where(
        inArray(
          webhookDeliveries.eventId,
          events.map((e) => e.id),
        ),
      );
    expect(made).toBe(rows.length);
    // Endpoints of earlier tests' users may hear of the public project too; these are this test's.
    const mine = new Set([adminHook.id, aliceHook.id, outsiderHook.id]);
    const got = rows
      .filter((row) => mine.has(row.webhookId))
      .map((row) => `${row.eventId!.slice(tag.length + 1)}→${row.webhookId}`)
      .sort();
    expect(got).toEqual(
      [
        `private→${adminHook.id}`,
        `private→${aliceHook.id}`,
        `public→${adminHook.id}`,
        `public→${aliceHook.id}`,
        `public→${outsiderHook.id}`,
        `user→${adminHook.id}`,
      ].sort(),
    );
    // Each delivery has its job.
    const queued = await db.select().from(jobs).where(eq(jobs.name, "webhooks.deliver"));
    const payloads = new Set(queued.map((job) => (job.payload as { deliveryId: string }).deliveryId));
    for (const row of rows) expect(payloads.has(row.id)).toBe(true);
    // Fanned out again (a dispatch retried after a crash): nothing new.
    const again = await db.transaction((tx) =>
      fanOutToWebhooks(tx, server.clock, server.app.ctx.webhooks, events),
    );
    expect(again).toBe(0);
  });

  it("reads and records deliveries attempted together with a statement each, not two per delivery", async () => {
    const count = 10;
    // Answers once all have arrived, all at once: the answers come back together.
    const waiting: ServerResponse[] = [];
    const ids: string[] = [];
    const together = createServer((request, response) => {
      ids.push(String(request.headers["webhook-id"]));
      request.resume();
      request.on("end", () => {
        waiting.push(response);
        if (waiting.length === count) for (const held of waiting) held.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => together.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(together.address() as AddressInfo).port}/hook`;
      const hook = await createHook(owner, ["project.updated"], url);
      const now = server.clock.now();
      // Rows only, no jobs: the server's own runner leaves them to the deliverer below.
      const deliveries = Array.from({ length: count }, (_, n) => ({
        id: newId("msg", now.getTime()),
        webhookId: hook.id,
        eventId: `evt_together_${n}`,
        eventType: "project.updated",
        body: JSON.stringify({ type: "project.updated", timestamp: now.toISOString(), data: { n } }),
        status: "pending" as const,
        createdAt: now,
        updatedAt: now,
      }));
      const db = server.app.database.db;
      await db.insert(webhookDeliveries).values(deliveries);

      const counted = countingDb();
      const { ctx } = server.app;
      const deliver = webhookDeliverer({
        db: counted.db,
        clock: server.clock,
        box: ctx.box,
        events: ctx.events,
        settings: ctx.webhooks,
        http: ctx.http,
      });
      await Promise.all(deliveries.map((delivery) => deliver(delivery.id)));

      expect(new Set(ids)).toEqual(new Set(deliveries.map((delivery) => delivery.id)));
      const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));
      expect(rows.map((row) => [row.status, row.attempts])).toEqual(
        Array.from({ length: count }, () => ["succeeded", 1]),
      );
      const attempts = await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            deliveries.map((delivery) => delivery.id),
          ),
        );
      expect(attempts.map((attempt) => attempt.statusCode)).toEqual(Array(count).fill(204));
      // One read; the answers came together, so one write (a little slack for a split turn).
      expect(counted.statements()).toBeLessThanOrEqual(3);
    } finally {
      together.closeAllConnections();
      await new Promise((resolve) => together.close(resolve));
    }
  });

  // Last: it moves the clock a day on.
  it("after a rotation signs with both secrets, each verifiable alone", async () => {
    const hook = await createHook(owner, ["webhook.test"]);
    receiver.respondWith(() => ({ status: 204 }));
    const rotated = await server.api.post(`/api/v1/webhooks/${hook.id}/rotate-secret`, {}, owner.accessToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    const before = receiver.received.length;
    expect((await server.api.post(`/api/v1/webhooks/${hook.id}/test`, {}, owner.accessToken)).status).toBe(
      202,
    );
    await receiver.waitFor(() => receiver.received.length > before);
    const delivery = receiver.received.at(-1)!;
    expect(delivery.signature.split(" ")).toHaveLength(2);
    expect(WebhookReceiver.verify(delivery, rotated.body.secret)).toMatchObject({
      type: "webhook.test",
      data: { webhookId: hook.id },
    });
    expect(WebhookReceiver.verify(delivery, hook.secret)).toMatchObject({ type: "webhook.test" });
    // 24 hours later only the new secret signs.
    server.clock.advance(24 * 60 * 60 * 1000 + 1000);
    // The access token expired meanwhile; the refresh token has not.
    const refreshed = await server.api.post("/api/v1/auth/refresh", { refreshToken: owner.refreshToken });
    owner = { ...owner, accessToken: refreshed.body.accessToken, refreshToken: refreshed.body.refreshToken };
    await server.api.post(`/api/v1/webhooks/${hook.id}/test`, {}, owner.accessToken);
    await receiver.waitFor(() => receiver.received.length > before + 1);
    const later = receiver.received.at(-1)!;
    // Its timestamp is a day ahead of the real clock, which the package's verify() refuses; so the
    // package signs the same message with each secret to compare.
    const signedAt = new Date(Number(later.timestamp) * 1000);
    expect(later.signature).toBe(new Webhook(rotated.body.secret).sign(later.id, signedAt, later.body));
    expect(later.signature).not.toContain(new Webhook(hook.secret).sign(later.id, signedAt, later.body));
    await server.api.delete(`/api/v1/webhooks/${hook.id}`, owner.accessToken);
  });
});

describe("an endpoint failing for too long", () => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    server = await startTestServer(testStores()[0]!, {
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRY_SCHEDULE: "300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms",
      WEBHOOK_DISABLE_AFTER: "1s",
      JOBS_POLL_INTERVAL_MS: "50",
    });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it("is switched off (reason failing) once it has failed without a success for WEBHOOK_DISABLE_AFTER", async () => {
    const user = await registerUser(server.api);
    receiver.respondWith(() => ({ status: 500 }));
    const hook = (
      await server.api.post(
        "/api/v1/webhooks",
        { url: receiver.url, events: ["project.created"] },
        user.accessToken,
      )
    ).body;
    await server.api.post("/api/v1/projects", { name: "Doomed" }, user.accessToken);
    await waitFor(
      async () =>
        (await server.api.get(`/api/v1/webhooks/${hook.id}`, user.accessToken)).body.active === false,
      15_000,
    );
    const state = (await server.api.get(`/api/v1/webhooks/${hook.id}`, user.accessToken)).body;
    expect(state).toMatchObject({ active: false, disabledReason: "failing" });
    expect(state.failingSince).toEqual(expect.any(String));
    // It was retried until the limit, not given up on earlier, and not after.
    const attempts = receiver.received.length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received.length).toBe(attempts);
  });
});

describe("webhook destinations", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(testStores()[0]!);
  });
  afterAll(() => server?.stop());

  it("refuses loopback, private and link-local destinations unless WEBHOOK_ALLOW_PRIVATE is set", async () => {
    const user = await registerUser(server.api);
    for (const url of [
      "http://127.0.0.1:9/hook",
      "http://localhost/hook",
      "http://10.1.2.3/hook",
      "http://192.168.0.10/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/hook",
    ]) {
      const response = await server.api.post(
        "/api/v1/webhooks",
        { url, events: ["project.created"] },
        user.accessToken,
      );
      expect(response.status, url).toBe(400);
      expect(response.body.code).toBe("webhook_url_refused");
    }
    const scheme = await server.api.post(
      "/api/v1/webhooks",
      { url: "ftp://example.com/hook", events: ["project.created"] },
      user.accessToken,
    );
    expect(scheme.status).toBe(400);
  });
});
