import {
  makeSubscription,
  registerUser,
  startFakePushService,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
} from "@codepark/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushSubscriptions } from "../src/domain/notifications/schema.ts";

const store = testStores()[0]!;

describe(`push subscriptions (${store})`, () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    // Private destinations allowed: the fake push service below listens on 127.0.0.1.
    server = await startTestServer(store, { WEBHOOK_ALLOW_PRIVATE: "true" });
    [alice, bob] = await Promise.all([registerUser(server.api, "Alice"), registerUser(server.api, "Bob")]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** What a browser sends: PushSubscription.toJSON(). */
  function browserSubscription(
    endpoint = `https://push.example.test/send/${Math.random().toString(36).slice(2)}`,
  ) {
    const { keys } = makeSubscription(endpoint);
    return { endpoint, expirationTime: null, keys };
  }

  it("hands out the instance's VAPID public key to signed-in callers only", async () => {
    const response = await server.api.get("/api/v1/push/vapid-public-key", alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ publicKey: server.app.push.publicKey });
    expect(Buffer.from(response.body.publicKey, "base64url")).toHaveLength(65);

    const anonymous = await server.api.get("/api/v1/push/vapid-public-key");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("creates, lists and deletes the caller's subscriptions", async () => {
    const body = browserSubscription();
    const created = await server.api.request("POST", "/api/v1/push-subscriptions", {
      token: alice.accessToken,
      body,
      headers: { "user-agent": "Firefox/140 test" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^psh_/),
      endpoint: body.endpoint,
      userAgent: "Firefox/140 test",
      createdAt: expect.any(String),
    });
    const second = await server.api.post(
      "/api/v1/push-subscriptions",
      browserSubscription(),
      alice.accessToken,
    );
    expect(second.status).toBe(201);

    const listed = await server.api.get("/api/v1/push-subscriptions", alice.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([
      second.body.id,
      created.body.id,
    ]);
    expect(listed.body.nextCursor).toBeNull();
    const paged = await server.api.get("/api/v1/push-subscriptions?limit=1", alice.accessToken);
    expect(paged.body.items).toHaveLength(1);
    const rest = await server.api.get(
      `/api/v1/push-subscriptions?limit=1&cursor=${paged.body.nextCursor}`,
      alice.accessToken,
    );
    expect(rest.body.items.map((item: { id: string }) => item.id)).toEqual([created.body.id]);

    // Nobody else sees them.
    const bobs = await server.api.get("/api/v1/push-subscriptions", bob.accessToken);
    expect(bobs.body.items).toEqual([]);

    const deleted = await server.api.delete(
      `/api/v1/push-subscriptions/${created.body.id}`,
      alice.accessToken,
    );
    expect(deleted.status).toBe(204);
    const after = await server.api.get("/api/v1/push-subscriptions", alice.accessToken);
    expect(after.body.items.map((item: { id: string }) => item.id)).toEqual([second.body.id]);
    const again = await server.api.delete(`/api/v1/push-subscriptions/${created.body.id}`, alice.accessToken);
    expect(again.status).toBe(404);
  });

  it("upserts by endpoint: the same browser subscribing again replaces its keys, and moves it to the new caller", async () => {
    const first = browserSubscription();
    const original = await server.api.post("/api/v1/push-subscriptions", first, alice.accessToken);
    const renewed = { ...browserSubscription(first.endpoint) };
    const sameUser = await server.api.post("/api/v1/push-subscriptions", renewed, alice.accessToken);
    expect(sameUser.status).toBe(201);
    expect(sameUser.body.id).toBe(original.body.id);
    const alices = await server.api.get("/api/v1/push-subscriptions?limit=100", alice.accessToken);
    expect(
      alices.body.items.filter((item: { endpoint: string }) => item.endpoint === first.endpoint),
    ).toHaveLength(1);

    // Bob signs in on the same browser and subscribes: the endpoint is his now, not Alice's.
    const moved = await server.api.post(
      "/api/v1/push-subscriptions",
      browserSubscription(first.endpoint),
      bob.accessToken,
    );
    expect(moved.status).toBe(201);
    expect(moved.body.id).toBe(original.body.id);
    const bobs = await server.api.get("/api/v1/push-subscriptions", bob.accessToken);
    expect(bobs.body.items.map((item: { endpoint: string }) => item.endpoint)).toEqual([first.endpoint]);
    const alicesNow = await server.api.get("/api/v1/push-subscriptions?limit=100", alice.accessToken);
    expect(alicesNow.body.items.some((item: { endpoint: string }) => item.endpoint === first.endpoint)).toBe(
      false,
    );
    // Alice can no longer remove what is Bob's.
    const stolen = await server.api.delete(
      `/api/v1/push-subscriptions/${original.body.id}`,
      alice.accessToken,
    );
    expect(stolen.status).toBe(404);
  });

  it("does not let another user delete yours", async () => {
    const mine = await server.api.post(
      "/api/v1/push-subscriptions",
      browserSubscription(),
      alice.accessToken,
    );
    const attempt = await server.api.delete(`/api/v1/push-subscriptions/${mine.body.id}`, bob.accessToken);
    expect(attempt.status).toBe(404);
    expect(attempt.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(attempt.body.code).toBe("not_found");
    const alices = await server.api.get("/api/v1/push-subscriptions?limit=100", alice.accessToken);
    expect(alices.body.items.some((item: { id: string }) => item.id === mine.body.id)).toBe(true);
  });

  it("refuses malformed subscriptions with 400 problem+json", async () => {
    const valid = browserSubscription();
    const cases: [string, unknown][] = [
      ["no endpoint", { keys: valid.keys }],
      ["not a URL", { ...valid, endpoint: "not a url" }],
      ["wrong scheme", { ...valid, endpoint: "ftp://push.example.test/x" }],
      ["endpoint too long", { ...valid, endpoint: `https://push.example.test/${"x".repeat(2048)}` }],
      ["no keys", { endpoint: valid.endpoint }],
      ["short p256dh", { ...valid, keys: { ...valid.keys, p256dh: valid.keys.p256dh.slice(1) } }],
      ["short auth", { ...valid, keys: { ...valid.keys, auth: "c2hvcnQ" } }],
      // Right length, but not a point on P-256.
      ["p256dh off the curve", { ...valid, keys: { ...valid.keys, p256dh: `B${"A".repeat(86)}` } }],
    ];
    for (const [label, body] of cases) {
      const response = await server.api.post("/api/v1/push-subscriptions", body, alice.accessToken);
      expect(response.status, label).toBe(400);
      expect(response.headers.get("content-type"), label).toMatch(/^application\/problem\+json/);
      expect(response.body.code, label).toBe("validation_failed");
    }
    const badId = await server.api.delete("/api/v1/push-subscriptions/not%20an%20id", alice.accessToken);
    expect(badId.status).toBe(400);
  });

  it("accepts a plain http endpoint and padded base64url keys", async () => {
    const body = browserSubscription("http://push.example.test/dev/1");
    const padded = { ...body, keys: { p256dh: `${body.keys.p256dh}=`, auth: `${body.keys.auth}==` } };
    const response = await server.api.post("/api/v1/push-subscriptions", padded, alice.accessToken);
    expect(response.status).toBe(201);
    const [row] = await server.app.database.db
      .select()
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.id, response.body.id));
    expect({ p256dh: row!.p256dh, auth: row!.auth }).toEqual(body.keys);
  });

  it("stores what app.push needs to deliver to the browser", async () => {
    const service = await startFakePushService();
    try {
      const browser = service.subscribe();
      const { endpoint, keys } = browser;
      const created = await server.api.post(
        "/api/v1/push-subscriptions",
        { endpoint, keys },
        alice.accessToken,
      );
      const [row] = await server.app.database.db
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.id, created.body.id));
      const target = { endpoint: row!.endpoint, keys: { p256dh: row!.p256dh, auth: row!.auth } };

      expect(await server.app.push.send(target, { title: "Hello" })).toMatchObject({ ok: true, status: 201 });
      const [received] = await service.waitFor(1);
      expect(received!.payload).toEqual({ title: "Hello" });
      expect(received!.vapid).toMatchObject({ k: server.app.push.publicKey, signatureValid: true });
    } finally {
      await service.close();
    }
  });
});
