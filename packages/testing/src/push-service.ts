import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
  verify,
} from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ArrivalLog } from "./wait.ts";

/**
 * A stand-in Web Push service for tests: a local HTTP server that plays the browser's push
 * service, with subscriptions holding real P-256 keys so that what arrives can be decrypted
 * (RFC 8291 / RFC 8188 aes128gcm) and its VAPID header checked (RFC 8292), as a browser would.
 */

export interface TestSubscription {
  /** What a browser would POST to /api/v1/push-subscriptions (PushSubscription.toJSON()). */
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The user agent's side, which the test keeps to decrypt. */
  ecdh: ECDH;
  authSecret: Buffer;
}

export interface ReceivedPush {
  /** The endpoint that was POSTed to. */
  endpoint: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The decrypted body parsed as JSON (undefined when the endpoint is unknown or the body empty). */
  payload: unknown;
  /** The VAPID Authorization header, parsed and verified (null when absent). */
  vapid: VapidClaims | null;
  /** The status the fake answered with. */
  status: number;
}

export interface VapidClaims {
  /** The `k=` public key (base64url). */
  k: string;
  aud: string;
  exp: number;
  sub: string;
  /** Whether the ES256 signature checks out against k. */
  signatureValid: boolean;
}

export interface FakePushService {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Every POST so far, in arrival order. */
  readonly received: ReceivedPush[];
  /** A new subscription with fresh keys and its own endpoint on this service. */
  subscribe(): TestSubscription;
  /** Answer every later POST to this endpoint with `status` (e.g. 410, 500); default 201. */
  respondWith(endpoint: string, status: number): void;
  /** Resolves with `received` once it holds at least `count` messages. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const subscriptions = new Map<string, TestSubscription>();
  const statuses = new Map<string, number>();
  const log = new ArrivalLog<ReceivedPush>("push service");
  const received = log.items;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const endpoint = `${url}${request.url ?? "/"}`;
      const body = Buffer.concat(chunks);
      const subscription = subscriptions.get(endpoint);
      const status = request.method !== "POST" ? 405 : !subscription ? 404 : (statuses.get(endpoint) ?? 201);
      let payload: unknown;
      if (subscription && body.length > 0) {
        payload = JSON.parse(
          decryptAes128gcm(body, subscription.ecdh, subscription.authSecret).toString("utf8"),
        );
      }
      log.push({
        endpoint,
        headers: request.headers,
        body,
        payload,
        vapid: parseVapid(request.headers.authorization),
        status,
      });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    subscribe() {
      const subscription = makeSubscription(`${url}/push/${randomBytes(8).toString("hex")}`);
      subscriptions.set(subscription.endpoint, subscription);
      return subscription;
    },
    respondWith(endpoint, status) {
      statuses.set(endpoint, status);
    },
    waitFor: (count, timeoutMs) => log.waitFor(count, timeoutMs),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A subscription as a browser makes one: P-256 key pair (p256dh = uncompressed public point) and a 16-byte auth secret. */
export function makeSubscription(endpoint: string): TestSubscription {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const authSecret = randomBytes(16);
  return {
    endpoint,
    keys: { p256dh: ecdh.getPublicKey("base64url"), auth: authSecret.toString("base64url") },
    ecdh,
    authSecret,
  };
}

/**
 * Decrypts a Web Push message body (RFC 8291 key derivation over RFC 8188 aes128gcm), written
 * from the RFCs rather than with the library that encrypted it, so the two check each other.
 */
export function decryptAes128gcm(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  // Header: salt (16) | record size (uint32) | key id length (1) | key id (the sender's public key).
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderPublicKey = body.subarray(21, 21 + idLength);
  const records = body.subarray(21 + idLength);

  const sharedSecret = ecdh.computeSecret(senderPublicKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), ecdh.getPublicKey(), senderPublicKey]);
  const ikm = Buffer.from(hkdfSync("sha256", sharedSecret, authSecret, keyInfo, 32));
  const key = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const baseNonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));

  const plain: Buffer[] = [];
  for (let offset = 0, sequence = 0; offset < records.length; offset += recordSize, sequence++) {
    const record = records.subarray(offset, offset + recordSize);
    const nonce = Buffer.from(baseNonce);
    // The record sequence number is XORed into the nonce's low bytes (the low 32 bits suffice here).
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
    const decipher = createDecipheriv("aes-128-gcm", key, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    // Padding: the delimiter (2 on the last record, 1 before) followed by zeros.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    const delimiter = padded[end];
    const last = offset + recordSize >= records.length;
    if (delimiter !== (last ? 2 : 1))
      throw new Error(`bad padding delimiter ${delimiter} in record ${sequence}`);
    plain.push(padded.subarray(0, end));
  }
  return Buffer.concat(plain);
}

/** `vapid t=<JWT>, k=<public key>` → claims, with the ES256 signature verified against k. */
export function parseVapid(header: string | undefined): VapidClaims | null {
  const match = header ? /^vapid\s+t=([^,\s]+),\s*k=([^,\s]+)$/i.exec(header) : null;
  if (!match) return null;
  const [token, k] = [match[1]!, match[2]!];
  const [head, claims, signature] = token.split(".");
  if (!head || !claims || !signature) return null;
  const point = Buffer.from(k, "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const signatureValid = verify(
    "sha256",
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  const body = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as {
    aud: string;
    exp: number;
    sub: string;
  };
  return { k, aud: body.aud, exp: body.exp, sub: body.sub, signatureValid };
}
