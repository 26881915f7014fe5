import { API_KEY_PREFIX, type ApiKeyScope } from "@codepark/protocol";
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { hashToken } from "../tokens.ts";
import { users } from "../users/schema.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { apiKeys, sessions } from "./schema.ts";

export interface AuthenticateDeps extends StoreDeps {
  accessTokens: AccessTokens;
}

/** last_used_at is a hint for people, not an audit trail: write it at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves a bearer credential (access token or API key) to an actor. Every call checks the
 * session or key still exists, so revocation takes effect on the next request, and reads the
 * user's role fresh so role changes apply at once.
 */
export async function authenticate(ctx: AuthenticateDeps, credential: string): Promise<Actor> {
  if (credential.startsWith(API_KEY_PREFIX)) return authenticateApiKey(ctx, credential);
  const claims = await ctx.accessTokens.verify(credential);
  const [row] = await ctx.db
    .select({ role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, claims.sessionId),
        eq(sessions.userId, claims.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, ctx.clock.now()),
      ),
    );
  if (!row) throw new AppError("session_revoked", "This session has been signed out");
  return { kind: "session", userId: claims.userId, role: row.role, sessionId: claims.sessionId };
}

async function authenticateApiKey(ctx: AuthenticateDeps, key: string): Promise<Actor> {
  const [row] = await ctx.db
    .select({ id: apiKeys.id, userId: apiKeys.userId, scopes: apiKeys.scopes, role: users.role })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, hashToken(key)));
  if (!row) throw new AppError("unauthorized", "Invalid API key");
  const now = ctx.clock.now();
  await ctx.db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, row.id),
        or(
          isNull(apiKeys.lastUsedAt),
          lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)),
        ),
      ),
    );
  return {
    kind: "api_key",
    userId: row.userId,
    role: row.role,
    apiKeyId: row.id,
    scopes: row.scopes as ApiKeyScope[],
  };
}
