import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A high-entropy secret with a recognisable prefix, e.g. `cpk_…` for API keys. */
export function newSecretToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

/** Tokens with ≥ 128 bits of entropy need no slow hash: SHA-256 is enough and allows indexed lookup. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
