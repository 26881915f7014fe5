import { createECDH } from "node:crypto";
import webpush, { type RequestDetails } from "web-push";
import type { Db } from "../../domain/ports/database.ts";
import type { PushSender } from "../../domain/ports/push.ts";
import { loadOrCreateInstanceValue } from "../crypto/instance-secrets.ts";
import { sendWebhookRequest } from "../http/outbound.ts";

/**
 * Web Push (RFC 8030) with encrypted payloads (RFC 8291, aes128gcm) and VAPID (RFC 8292): web-push
 * builds and encrypts the request; the POST goes through the same guarded outbound client as
 * webhooks (SSRF checks, pinned DNS, timeout, bounded response), since the endpoint is a URL a
 * user handed us.
 */

export interface PushSenderOptions {
  publicKey: string;
  privateKey: string;
  /** VAPID contact: mailto:… or https:… */
  subject: string;
  /** Whole request (DNS, connect, answer); default 15 s. */
  timeoutMs?: number;
  /** Allow endpoints on loopback/private addresses (WEBHOOK_ALLOW_PRIVATE; tests). Default false. */
  allowPrivate?: boolean;
}

/**
 * Largest JSON payload, in UTF-8 bytes: push services must accept 4096-byte bodies, and aes128gcm
 * adds an 86-byte header, a 16-byte tag and a 1-byte padding delimiter.
 */
export const MAX_PUSH_PAYLOAD_BYTES = 4096 - 86 - 16 - 1;

/** How long a push service keeps an undelivered message for an offline device, unless told otherwise. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
const VAPID_KEYS_SECRET = "vapid_keys";

/**
 * The instance's VAPID key pair: generated on first start and kept in instance_secrets (JSON), so
 * every node and every restart signs with the same key. Browsers bind a subscription to the key it
 * was made with: a new key would silently orphan every existing subscription.
 */
export async function loadOrCreateVapidKeys(
  db: Db,
  now: Date,
): Promise<{ publicKey: string; privateKey: string }> {
  const stored = await loadOrCreateInstanceValue(db, VAPID_KEYS_SECRET, now, () => {
    const { publicKey, privateKey } = webpush.generateVAPIDKeys();
    return JSON.stringify({ publicKey, privateKey });
  });
  const parsed = JSON.parse(stored) as { publicKey?: unknown; privateKey?: unknown };
  if (typeof parsed.publicKey !== "string" || typeof parsed.privateKey !== "string") {
    throw new Error(`instance secret ${VAPID_KEYS_SECRET} is not a VAPID key pair`);
  }
  return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
}

/** Validates the keys and subject at once (a wrong configuration stops start-up, not the first send). */
export function createPushSender(options: PushSenderOptions): PushSender {
  const { publicKey, privateKey, subject } = options;
  assertKeyPair(publicKey, privateKey);
  // Throws with web-push's message for a bad subject or malformed keys.
  webpush.getVapidHeaders("https://push.invalid", subject, publicKey, privateKey, "aes128gcm");
  const timeoutMs = options.timeoutMs ?? 15_000;
  const allowPrivate = options.allowPrivate ?? false;

  return {
    publicKey,
    async send(target, payload, sendOptions = {}) {
      const body = Buffer.from(JSON.stringify(payload), "utf8");
      if (body.length > MAX_PUSH_PAYLOAD_BYTES) {
        throw new RangeError(`push payload is ${body.length} bytes; at most ${MAX_PUSH_PAYLOAD_BYTES} fit`);
      }
      let details: RequestDetails;
      try {
        details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: target.keys }, body, {
          vapidDetails: { subject, publicKey, privateKey },
          TTL: sendOptions.ttlSeconds ?? DEFAULT_TTL_SECONDS,
          contentEncoding: "aes128gcm",
        });
      } catch (error) {
        // Malformed endpoint URL or subscription keys: no retry will make this one deliverable.
        return {
          ok: false,
          status: null,
          gone: true,
          error: `unusable subscription: ${(error as Error).message}`,
        };
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
      const result = await sendWebhookRequest({
        url: details.endpoint,
        headers,
        // The outbound client writes the body as given; the ciphertext must go out as bytes.
        body: details.body as unknown as string,
        timeoutMs,
        allowPrivate,
      });
      const gone = result.blocked || result.status === 404 || result.status === 410;
      let error = result.error;
      if (error === null && !result.ok) {
        const excerpt = result.responseExcerpt.trim().slice(0, 200);
        error = `push service answered ${result.status}${excerpt ? `: ${excerpt}` : ""}`;
      }
      return { ok: result.ok, status: result.status, gone, error };
    },
  };
}

function assertKeyPair(publicKey: string, privateKey: string): void {
  const ecdh = createECDH("prime256v1");
  try {
    ecdh.setPrivateKey(Buffer.from(privateKey, "base64url"));
  } catch {
    throw new Error("VAPID private key is not a P-256 private key");
  }
  if (ecdh.getPublicKey("base64url") !== publicKey) {
    throw new Error("VAPID public key does not belong to the VAPID private key");
  }
}
