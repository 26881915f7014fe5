import { and, eq, isNull, ne } from "drizzle-orm";
import type { Emit, Stale } from "../events/outbox.ts";
import type { Clock } from "../ports/clock.ts";
import type { Tx } from "../ports/database.ts";
import { sessions } from "./schema.ts";
import { sessionKeys } from "./session-cache.ts";

/**
 * Revokes every live session of a user but `exceptSessionId` (the device that asked), inside the
 * caller's transaction: after a password change or reset. Their refresh tokens die with them (a
 * refresh needs a live session); each is marked stale in the session cache and announced
 * (`session.revoked`, which closes its live connections). Returns the revoked ids.
 */
export async function revokeUserSessions(
  tx: Tx,
  clock: Clock,
  emit: Emit,
  stale: Stale,
  userId: string,
  exceptSessionId?: string,
): Promise<string[]> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: clock.now() })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        exceptSessionId ? ne(sessions.id, exceptSessionId) : undefined,
      ),
    )
    .returning({ id: sessions.id });
  for (const { id } of revoked) {
    stale(sessionKeys(id));
    emit({ type: "session.revoked", actorId: userId, data: { userId, sessionId: id } });
  }
  return revoked.map(({ id }) => id);
}
