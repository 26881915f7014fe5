import { and, eq, ne } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { throttleLinkAttempts } from "../auth/throttle.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import type { Executor } from "../ports/database.ts";
import { isUniqueViolation } from "../ports/database.ts";
import { users } from "../users/schema.ts";
import { userKeys } from "../users/user-cache.ts";
import type { AccountDeps } from "./deps.ts";
import { verifyEmailMessage } from "./emails.ts";
import { absoluteLink, type LinkBase } from "./links.ts";
import { enqueueAccountEmail, type SealingDeps } from "./mail.ts";
import {
  claimAccountToken,
  dropUnusedTokens,
  EMAIL_VERIFICATION_TTL_MS,
  mintAccountToken,
} from "./tokens.ts";

/** Mints a verification link for the account's current address and queues the email with it. */
export async function sendVerificationEmail(
  tx: Executor,
  deps: SealingDeps,
  user: { id: string; email: string; name: string },
  base: LinkBase,
): Promise<void> {
  const token = await mintAccountToken(tx, deps.clock, {
    userId: user.id,
    purpose: "email_verification",
    email: user.email,
    ttlMs: EMAIL_VERIFICATION_TTL_MS,
  });
  const link = absoluteLink(base, "/verify-email", { token });
  await enqueueAccountEmail(tx, deps, verifyEmailMessage(user.email, user.name, link));
}

const INVALID = "This verification link is invalid, already used or expired: ask for a new one";

/**
 * POST /auth/verify-email (public: the link may be opened on a device that is not signed in). The
 * token proves its holder reads the address it was sent to: the account's current address becomes
 * verified, or, for an address change, the account moves to the new address (verified). A new
 * address taken by another account since the request is `email_taken`, and the link stays unspent.
 */
export function verifyEmail(ctx: AccountDeps, token: string, meta: RequestMeta): Promise<void> {
  return throttleLinkAttempts(ctx.attempts.links, meta.ip, () => spendVerificationLink(ctx, token, meta));
}

async function spendVerificationLink(ctx: AccountDeps, token: string, meta: RequestMeta): Promise<void> {
  try {
    await transact(ctx, async (tx, _emit, stale) => {
      const claimed = await claimAccountToken(tx, ctx.clock, "email_verification", token);
      if (!claimed?.email) throw new AppError("invalid_token", INVALID);
      const [user] = await tx.select().from(users).where(eq(users.id, claimed.userId)).for("update");
      if (!user) throw new AppError("invalid_token", INVALID);
      const now = ctx.clock.now();
      if (claimed.email === user.email) {
        if (user.emailVerifiedAt === null) {
          await tx.update(users).set({ emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, user.id));
          await recordAudit(tx, ctx.clock, {
            actor: { userId: user.id },
            action: "user.email_verified",
            target: { type: "user", id: user.id },
            meta,
            details: { email: user.email },
          });
        }
        // Other links to this address have nothing left to prove; a pending change keeps its link.
        await dropUnusedTokens(tx, user.id, ["email_verification"], { email: user.email });
      } else {
        const [holder] = await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.email, claimed.email), ne(users.id, user.id)));
        if (holder) throw new AppError("email_taken", "Another account uses this email address now");
        await tx
          .update(users)
          .set({ email: claimed.email, emailVerifiedAt: now, updatedAt: now })
          .where(eq(users.id, user.id));
        // Links mailed to the old address (verification, password reset) must not act on the account now.
        await dropUnusedTokens(tx, user.id, ["email_verification", "password_reset"]);
        await recordAudit(tx, ctx.clock, {
          actor: { userId: user.id },
          action: "user.email_changed",
          target: { type: "user", id: user.id },
          meta,
          details: { email: claimed.email, previousEmail: user.email },
        });
      }
      stale(userKeys(user.id));
    });
  } catch (error) {
    // Two accounts racing for one address: the unique index decides, the loser is told plainly.
    if (isUniqueViolation(error))
      throw new AppError("email_taken", "Another account uses this email address now");
    throw error;
  }
}

/** POST /me/verify-email: a fresh link for the current address (earlier unused ones stop working). */
export async function resendVerification(
  ctx: AccountDeps,
  userId: string,
  origin: string | undefined,
): Promise<{ status: "verification_sent" }> {
  await transact(ctx, async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
    if (!user) throw new AppError("user_not_found");
    if (user.emailVerifiedAt !== null) throw new AppError("already_verified");
    await dropUnusedTokens(tx, user.id, ["email_verification"], { email: user.email });
    await sendVerificationEmail(tx, ctx, user, { publicUrl: ctx.links.publicUrl, origin });
  });
  return { status: "verification_sent" };
}
