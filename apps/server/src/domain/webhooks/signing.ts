import { createHmac, randomBytes } from "node:crypto";

/**
 * Signing per the Standard Webhooks spec (https://www.standardwebhooks.com), so receivers can
 * verify deliveries with any of its libraries.
 */

const SECRET_PREFIX = "whsec_";

/** `whsec_` + base64 of 24 random bytes (192 bits), the format the spec's libraries accept. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString("base64")}`;
}

export interface WebhookSignatureInput {
  id: string;
  timestamp: Date;
  /** The exact bytes sent: the signature covers this string, so serialise once and send it as is. */
  body: string;
  /** Usually one; old + new during the 24 h after a rotation, so receivers holding either verify. */
  secrets: string[];
}

/** The `webhook-signature` header value: one space-separated `v1,<base64 HMAC-SHA256>` per secret. */
export function signWebhook({ id, timestamp, body, secrets }: WebhookSignatureInput): string {
  if (secrets.length === 0) throw new Error("signWebhook needs at least one secret");
  const content = `${id}.${unixSeconds(timestamp)}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac("sha256", secretKey(secret)).update(content).digest("base64")}`)
    .join(" ");
}

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "content-type": "application/json";
}

export function webhookHeaders(input: WebhookSignatureInput): WebhookHeaders {
  return {
    "webhook-id": input.id,
    "webhook-timestamp": String(unixSeconds(input.timestamp)),
    "webhook-signature": signWebhook(input),
    "content-type": "application/json",
  };
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, "base64");
  // Buffer.from skips bad characters silently; an empty key would sign with nothing at all.
  if (key.length === 0) throw new Error("webhook secret is empty or not base64");
  return key;
}
