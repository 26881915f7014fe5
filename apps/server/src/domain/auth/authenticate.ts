import { API_KEY_PREFIX, type ApiKeyScope, type UserPlan, type UserRole } from "@codepark/protocol";
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { hashToken } from "../tokens.ts";
import { users } from "../users/schema.ts";
import { cachedUser } from "../users/user-cache.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { type ApiKeyState, apiKeyKeys, cachedApiKey } from "./api-key-cache.ts";
import { apiKeys, sessions } from "./schema.ts";
import { cachedSession } from "./session-cache.ts";

export interface AuthenticateDeps extends StoreDeps, CacheDeps {
  accessTokens: AccessTokens;
}

/** last_used_at is a hint for people, not an audit trail: write it at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves a bearer credential (access token or API key) to an actor. Every call checks the
 * session or key still exists, so revocation takes effect on the next request, and reads the
 * user's role fresh so role changes apply at once: from the cache, which the commands that
 * revoke or change them invalidate before they return (session-cache.ts, api-key-cache.ts,
 * users/user-cache.ts); with caching off, in one joined query.
 */
export async function authenticate(ctx: AuthenticateDeps, credential: string): Promise<Actor> {
  if (credential.startsWith(API_KEY_PREFIX)) return authenticateApiKey(ctx, credential);
  const claims = await ctx.accessTokens.verify(credential);
  const standing = ctx.cache.enabled
    ? await cachedSessionStanding(ctx, claims.sessionId, claims.userId)
    : await sessionStanding(ctx, claims.sessionId, claims.userId);
  if (!standing) throw new AppError("session_revoked", "This session has been signed out");
  return { kind: "session", userId: claims.userId, ...standing, sessionId: claims.sessionId };
}

/** What the account is allowed (role) and how much (plan), read fresh on every request. */
type Standing = { role: UserRole; plan: UserPlan };

async function cachedSessionStanding(
  ctx: AuthenticateDeps,
  sessionId: string,
  userId: string,
): Promise<Standing | null> {
  const [session, user] = await Promise.all([cachedSession(ctx, sessionId), cachedUser(ctx, userId)]);
  const live =
    session !== null &&
    !session.revoked &&
    session.userId === userId &&
    session.expiresAt > ctx.clock.now().getTime();
  return live && user ? { role: user.role, plan: user.plan } : null;
}

async function sessionStanding(
  ctx: AuthenticateDeps,
  sessionId: string,
  userId: string,
): Promise<Standing | null> {
  const [row] = await ctx.db
    .select({ role: users.role, plan: users.plan })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, ctx.clock.now()),
      ),
    );
  return row ?? null;
}

async function authenticateApiKey(ctx: AuthenticateDeps, key: string): Promise<Actor> {
  const keyHash = hashToken(key);
  const found = ctx.cache.enabled
    ? await cachedApiKeyWithRole(ctx, keyHash)
    : await apiKeyWithRole(ctx, keyHash);
  if (!found) throw new AppError("unauthorized", "Invalid API key");
  await noteUse(ctx, keyHash, found.key);
  return {
    kind: "api_key",
    userId: found.key.userId,
    role: found.role,
    plan: found.plan,
    apiKeyId: found.key.id,
    scopes: found.key.scopes,
  };
}

type KeyWithRole = { key: ApiKeyState } & Standing;

async function cachedApiKeyWithRole(ctx: AuthenticateDeps, keyHash: string): Promise<KeyWithRole | null> {
  const key = await cachedApiKey(ctx, keyHash);
  if (!key) return null;
  const user = await cachedUser(ctx, key.userId);
  return user ? { key, role: user.role, plan: user.plan } : null;
}

async function apiKeyWithRole(ctx: AuthenticateDeps, keyHash: string): Promise<KeyWithRole | null> {
  const [row] = await ctx.db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
      role: users.role,
      plan: users.plan,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, keyHash));
  if (!row) return null;
  const { role, plan, lastUsedAt, scopes, ...key } = row;
  return {
    key: { ...key, scopes: scopes as ApiKeyScope[], lastUsedAt: lastUsedAt?.getTime() ?? null },
    role,
    plan,
  };
}

/**
 * Records the use at most once a minute. The conditional update keeps that true across nodes; with
 * the cache, the update is not even tried while the cached last use is recent, and afterwards the
 * key's entry is dropped so the next request reads the new time.
 */
async function noteUse(ctx: AuthenticateDeps, keyHash: string, key: ApiKeyState): Promise<void> {
  const now = ctx.clock.now();
  const recent = now.getTime() - LAST_USED_RESOLUTION_MS;
  if (ctx.cache.enabled && key.lastUsedAt !== null && key.lastUsedAt >= recent) return;
  await ctx.db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(eq(apiKeys.id, key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(recent)))),
    );
  if (ctx.cache.enabled) await ctx.cache.invalidate(apiKeyKeys(keyHash));
}
