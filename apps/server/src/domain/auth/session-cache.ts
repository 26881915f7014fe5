import { eq } from "drizzle-orm";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { sessions } from "./schema.ts";

/** What authenticate needs of a session, with the times as epoch milliseconds (JSON-safe). */
export interface SessionState {
  userId: string;
  expiresAt: number;
  revoked: boolean;
}

/**
 * The `session` cache family: whether a session is live (expiry is compared with the clock on each
 * read, so a cached session still expires on time). The user's role is not here but in the `user`
 * family, so a role change is one key. Rule: every write to sessions.revoked_at or expires_at marks
 * `sessionKeys` stale (auth/sessions.ts: revokeSession — logout and signing a device out — and the
 * revocation when a used refresh token comes back; auth/revoke-all.ts: every session after a password
 * change or reset). Unknown ids are cached as null: a session's id
 * reaches a client only in a token signed after the session committed. Purging old sessions
 * (maintenance.ts) deletes only revoked or expired ones, which read as invalid either way.
 */
const key = (sessionId: string) => `session:${sessionId}`;

export function sessionKeys(sessionId: string): string[] {
  return [key(sessionId)];
}

export async function cachedSession(
  ctx: StoreDeps & CacheDeps,
  sessionId: string,
): Promise<SessionState | null> {
  const state = await ctx.cache.fill<SessionState | null>(key(sessionId), async () => {
    const [row] = await ctx.db
      .select({ userId: sessions.userId, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    if (!row) return null;
    return { userId: row.userId, expiresAt: row.expiresAt.getTime(), revoked: row.revokedAt !== null };
  });
  return state ?? null;
}
