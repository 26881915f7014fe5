import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { assertPasswordAcceptable } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import { revokeUserSessions } from "../auth/revoke-all.ts";
import { transact } from "../events/outbox.ts";
import { users } from "../users/schema.ts";
import { confirmCurrentPassword } from "./current-password.ts";
import type { AccountDeps } from "./deps.ts";
import { passwordChangedMessage } from "./emails.ts";
import { absoluteLink, type LinkBase } from "./links.ts";
import { enqueueAccountEmail } from "./mail.ts";
import { dropUnusedTokens } from "./tokens.ts";

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * POST /me/password: the current password, then the policy; every other session is signed out (the
 * device that asked stays), pending reset links stop working, and the owner is emailed.
 */
export async function changePassword(
  ctx: AccountDeps,
  caller: { userId: string; sessionId: string },
  input: ChangePasswordInput,
  meta: RequestMeta,
  origin: string | undefined,
): Promise<void> {
  const user = await confirmCurrentPassword(ctx, caller.userId, input.currentPassword, meta);
  assertPasswordAcceptable(input.newPassword, user.email);
  const passwordHash = await hashPassword(input.newPassword);
  const base: LinkBase = { publicUrl: ctx.links.publicUrl, origin };
  await transact(ctx, async (tx, emit, stale) => {
    await tx.update(users).set({ passwordHash, updatedAt: ctx.clock.now() }).where(eq(users.id, user.id));
    const revoked = await revokeUserSessions(tx, ctx.clock, emit, stale, user.id, caller.sessionId);
    await dropUnusedTokens(tx, user.id, ["password_reset"]);
    await recordAudit(tx, ctx.clock, {
      actor: { userId: user.id },
      action: "user.password_changed",
      target: { type: "user", id: user.id },
      meta,
      details: { sessionsRevoked: revoked.length },
    });
    await enqueueAccountEmail(
      tx,
      ctx,
      passwordChangedMessage(user.email, user.name, "changed", {
        forgot: absoluteLink(base, "/forgot-password"),
      }),
    );
  });
}
