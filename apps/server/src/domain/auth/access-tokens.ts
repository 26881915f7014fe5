import { createSecretKey, type KeyObject } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { AppError } from "../errors.ts";
import type { Clock } from "../ports/clock.ts";

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

const ISSUER = "codepark";
const AUDIENCE = "codepark-api";

/** Short-lived HS256 JWTs; the session they name is still checked on every request. */
export class AccessTokens {
  /** A KeyObject, imported once: jose would otherwise re-import raw bytes on every call. */
  readonly #key: KeyObject;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;

  constructor(key: Uint8Array, ttlSeconds: number, clock: Clock) {
    this.#key = createSecretKey(key);
    this.#ttlSeconds = ttlSeconds;
    this.#clock = clock;
  }

  sign(claims: AccessClaims): Promise<string> {
    const now = Math.floor(this.#clock.now().getTime() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#ttlSeconds)
      .sign(this.#key);
  }

  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ["HS256"],
        currentDate: this.#clock.now(),
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string")
        throw new AppError("unauthorized");
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError("token_expired");
      throw new AppError("unauthorized", "Invalid access token");
    }
  }
}
