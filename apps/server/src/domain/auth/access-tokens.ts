import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { AppError } from "../errors.ts";
import type { Clock } from "../ports/clock.ts";

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

const ISSUER = "codepark";
const AUDIENCE = "codepark-api";
/** Verified tokens remembered per node (a few hundred bytes each). */
const VERIFIED_TOKENS = 10_000;

interface Verified {
  claims: AccessClaims;
  /** The token's `exp`, in seconds since the epoch. */
  exp: number;
}

/**
 * Short-lived HS256 JWTs; the session they name is still checked on every request.
 *
 * A token is the same string on every request its client makes until it expires, and whether it is
 * genuine depends on nothing else but the clock: so each node checks a token's signature and claims
 * once (jose) and remembers the result until the token's `exp` (an LRU of VERIFIED_TOKENS). jose's
 * check costs ~65 µs of CPU through WebCrypto (~190 µs when handed a KeyObject, which it converts on
 * every call); a remembered one costs a Map lookup. Revocation is unaffected: it is the session
 * check's job (authenticate.ts), on every request.
 */
export class AccessTokens {
  /** Imported once as a CryptoKey: what jose's WebCrypto calls take without converting. */
  readonly #key: Promise<CryptoKey>;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;
  /** token → its verified claims; insertion order is recency (a hit moves its token to the end). */
  readonly #verified = new Map<string, Verified>();

  constructor(key: Uint8Array, ttlSeconds: number, clock: Clock) {
    this.#key = crypto.subtle.importKey(
      "raw",
      new Uint8Array(key),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    this.#ttlSeconds = ttlSeconds;
    this.#clock = clock;
  }

  async sign(claims: AccessClaims): Promise<string> {
    const now = Math.floor(this.#clock.now().getTime() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#ttlSeconds)
      .sign(await this.#key);
  }

  async verify(token: string): Promise<AccessClaims> {
    const now = this.#clock.now();
    const known = this.#verified.get(token);
    if (known) {
      this.#verified.delete(token);
      // jose's rule: expired once `exp` <= now, in whole seconds. An expired token goes back
      // through jose, which refuses it as expired.
      if (known.exp > Math.floor(now.getTime() / 1000)) {
        this.#verified.set(token, known);
        return known.claims;
      }
    }
    const verified = await this.#verifyWithJose(token, now);
    this.#verified.set(token, verified);
    if (this.#verified.size > VERIFIED_TOKENS) this.#verified.delete(this.#verified.keys().next().value!);
    return verified.claims;
  }

  async #verifyWithJose(token: string, now: Date): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ["HS256"],
        currentDate: now,
        // Every token this class signs expires; one without `exp` is not one of ours.
        requiredClaims: ["exp"],
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string")
        throw new AppError("unauthorized");
      return { claims: { userId: payload.sub, sessionId: payload.sid }, exp: payload.exp! };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError("token_expired");
      throw new AppError("unauthorized", "Invalid access token");
    }
  }
}
