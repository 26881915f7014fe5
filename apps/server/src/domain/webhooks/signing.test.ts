import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook, webhookHeaders } from "./signing.ts";

const body = JSON.stringify({ type: "file.updated", data: { fileId: "fil_1", path: "src/é.ts" } });

describe("generateWebhookSecret", () => {
  it("is whsec_ + base64 of 24 random bytes", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe("signWebhook", () => {
  it("matches the Standard Webhooks reference vector", () => {
    const signature = signWebhook({
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    });
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("verifies with the standardwebhooks library", () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({ id: "msg_1", timestamp: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it("signs with old and new secret during a rotation, and either one alone verifies", () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = webhookHeaders({
      id: "msg_2",
      timestamp: new Date(),
      body,
      secrets: [oldSecret, newSecret],
    });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });

  it("does not verify a changed body, id or timestamp", () => {
    const secret = generateWebhookSecret();
    const timestamp = new Date();
    const headers = webhookHeaders({ id: "msg_3", timestamp, body, secrets: [secret] });
    const webhook = new Webhook(secret);
    expect(() => webhook.verify(body.replace("fil_1", "fil_2"), { ...headers })).toThrow(
      WebhookVerificationError,
    );
    expect(() => webhook.verify(body, { ...headers, "webhook-id": "msg_4" })).toThrow(
      WebhookVerificationError,
    );
    const later = String(Math.floor(timestamp.getTime() / 1000) + 1);
    expect(() => webhook.verify(body, { ...headers, "webhook-timestamp": later })).toThrow(
      WebhookVerificationError,
    );
  });

  it("accepts a secret without the whsec_ prefix", () => {
    const secret = generateWebhookSecret();
    const input = { id: "msg_5", timestamp: new Date(), body };
    expect(signWebhook({ ...input, secrets: [secret.slice("whsec_".length)] })).toBe(
      signWebhook({ ...input, secrets: [secret] }),
    );
  });

  it("refuses to sign with no secret or an empty one", () => {
    const input = { id: "msg_6", timestamp: new Date(), body };
    expect(() => signWebhook({ ...input, secrets: [] })).toThrow(/at least one secret/);
    expect(() => signWebhook({ ...input, secrets: ["whsec_"] })).toThrow(/empty/);
  });
});

describe("webhookHeaders", () => {
  it("carries the id, the Unix time in whole seconds, the signature and the JSON content type", () => {
    const secret = generateWebhookSecret();
    const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 999));
    expect(webhookHeaders({ id: "msg_7", timestamp, body, secrets: [secret] })).toEqual({
      "webhook-id": "msg_7",
      "webhook-timestamp": "1767225600",
      "webhook-signature": signWebhook({ id: "msg_7", timestamp, body, secrets: [secret] }),
      "content-type": "application/json",
    });
  });
});
