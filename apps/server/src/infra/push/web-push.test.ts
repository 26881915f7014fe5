import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakePushService, makeSubscription, startFakePushService } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import type { PushSender } from "../../domain/ports/push.ts";
import { openDatabase } from "../db/database.ts";
import { createPushSender, loadOrCreateVapidKeys, MAX_PUSH_PAYLOAD_BYTES } from "./web-push.ts";

let service: FakePushService;
let sender: PushSender;
const keys = webpush.generateVAPIDKeys();

beforeAll(async () => {
  service = await startFakePushService();
  sender = createPushSender({
    ...keys,
    subject: "mailto:ops@codepark.test",
    allowPrivate: true,
    timeoutMs: 2_000,
  });
});
afterAll(async () => {
  await service.close();
});

describe("createPushSender", () => {
  it("delivers an aes128gcm payload the subscription's keys decrypt, signed with the VAPID key", async () => {
    const subscription = service.subscribe();
    const payload = {
      kind: "chat.mention",
      title: "Grace mentioned you",
      body: "ünïcödé — line 42",
      url: "/p/1",
    };
    const before = service.received.length;

    const result = await sender.send(subscription, payload, { ttlSeconds: 600 });

    expect(result).toEqual({ ok: true, status: 201, gone: false, error: null });
    const received = service.received[before]!;
    expect(received.endpoint).toBe(subscription.endpoint);
    expect(received.payload).toEqual(payload);
    expect(received.headers["content-encoding"]).toBe("aes128gcm");
    expect(received.headers["content-type"]).toBe("application/octet-stream");
    expect(received.headers.ttl).toBe("600");
    expect(received.vapid).toMatchObject({
      k: keys.publicKey,
      aud: service.url,
      sub: "mailto:ops@codepark.test",
      signatureValid: true,
    });
    expect(received.vapid!.exp).toBeGreaterThan(Date.now() / 1000);
    expect(received.vapid!.exp).toBeLessThanOrEqual(Date.now() / 1000 + 24 * 60 * 60);
    expect(sender.publicKey).toBe(keys.publicKey);
  });

  it("defaults the TTL to a day", async () => {
    const subscription = service.subscribe();
    const before = service.received.length;
    await sender.send(subscription, { hello: true });
    expect(service.received[before]!.headers.ttl).toBe("86400");
  });

  it("encrypts for each subscription separately (another subscription's keys cannot read it)", async () => {
    const [a, b] = [service.subscribe(), service.subscribe()];
    const before = service.received.length;
    await sender.send(a, { to: "a" });
    await sender.send(b, { to: "b" });
    const [forA, forB] = service.received.slice(before);
    expect([forA!.payload, forB!.payload]).toEqual([{ to: "a" }, { to: "b" }]);
    // The ciphertext really is encrypted, with a fresh salt each time.
    expect(forA!.body.includes(Buffer.from('"to"'))).toBe(false);
    expect(forA!.body.subarray(0, 16).equals(forB!.body.subarray(0, 16))).toBe(false);
  });

  it("reports 410 Gone as gone (the caller deletes the subscription)", async () => {
    const subscription = service.subscribe();
    service.respondWith(subscription.endpoint, 410);
    expect(await sender.send(subscription, { x: 1 })).toEqual({
      ok: false,
      status: 410,
      gone: true,
      error: "push service answered 410",
    });
  });

  it("reports 404 as gone", async () => {
    const unknown = makeSubscription(`${service.url}/push/never-subscribed`);
    expect(await sender.send(unknown, { x: 1 })).toMatchObject({ ok: false, status: 404, gone: true });
  });

  it("reports 500 as a retryable failure, not gone", async () => {
    const subscription = service.subscribe();
    service.respondWith(subscription.endpoint, 500);
    expect(await sender.send(subscription, { x: 1 })).toEqual({
      ok: false,
      status: 500,
      gone: false,
      error: "push service answered 500",
    });
  });

  it("reports a push service that does not answer in time as a retryable failure", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const quick = createPushSender({
        ...keys,
        subject: "mailto:ops@codepark.test",
        allowPrivate: true,
        timeoutMs: 200,
      });
      const target = makeSubscription(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/push/slow`);
      expect(await quick.send(target, { x: 1 })).toEqual({
        ok: false,
        status: null,
        gone: false,
        error: "timeout",
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("refuses loopback endpoints unless private destinations are allowed, and calls them gone", async () => {
    const guarded = createPushSender({ ...keys, subject: "mailto:ops@codepark.test" });
    const subscription = service.subscribe();
    const before = service.received.length;
    const result = await guarded.send(subscription, { x: 1 });
    expect(result).toMatchObject({ ok: false, status: null, gone: true });
    expect(result.error).toMatch(/destination refused: loopback/);
    expect(service.received.length).toBe(before);
  });

  it("calls a subscription with unusable keys gone, without sending", async () => {
    const subscription = service.subscribe();
    const broken = {
      endpoint: subscription.endpoint,
      keys: { p256dh: "not-a-key", auth: subscription.keys.auth },
    };
    const result = await sender.send(broken, { x: 1 });
    expect(result).toMatchObject({ ok: false, status: null, gone: true });
    expect(result.error).toMatch(/^unusable subscription: .*p256dh/);
  });

  it("throws for a payload too large for any push service", async () => {
    const subscription = service.subscribe();
    await expect(sender.send(subscription, { text: "x".repeat(MAX_PUSH_PAYLOAD_BYTES) })).rejects.toThrow(
      RangeError,
    );
    // The largest allowed payload still goes through as one record.
    const fits = { text: "x".repeat(MAX_PUSH_PAYLOAD_BYTES - '{"text":""}'.length) };
    const before = service.received.length;
    expect(await sender.send(subscription, fits)).toMatchObject({ ok: true });
    expect(service.received[before]!.body.length).toBeLessThanOrEqual(4096);
    expect(service.received[before]!.payload).toEqual(fits);
  });

  it("refuses mismatched or malformed keys and a bad subject at creation", () => {
    const other = webpush.generateVAPIDKeys();
    expect(() =>
      createPushSender({
        publicKey: other.publicKey,
        privateKey: keys.privateKey,
        subject: "mailto:a@b.test",
      }),
    ).toThrow(/does not belong/);
    expect(() => createPushSender({ ...keys, subject: "http://codepark.test" })).toThrow(/https: or mailto:/);
  });
});

describe("loadOrCreateVapidKeys", () => {
  it("generates a key pair once (concurrent first starts agree) and returns the same one afterwards", async () => {
    const database = await openDatabase({ kind: "pglite" });
    try {
      const racing = await Promise.all([1, 2, 3].map(() => loadOrCreateVapidKeys(database.db, new Date())));
      const [first] = racing;
      expect(racing).toEqual([first, first, first]);
      expect(await loadOrCreateVapidKeys(database.db, new Date())).toEqual(first);
      expect(Buffer.from(first!.publicKey, "base64url")).toHaveLength(65);
      expect(Buffer.from(first!.privateKey, "base64url")).toHaveLength(32);
      // A usable pair: a sender accepts it.
      expect(createPushSender({ ...first!, subject: "mailto:a@b.test" }).publicKey).toBe(first!.publicKey);
    } finally {
      await database.close();
    }
  });
});
