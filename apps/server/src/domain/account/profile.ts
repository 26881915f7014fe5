import { eq } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { presentUser, type UserView } from "../users/present.ts";
import { users } from "../users/schema.ts";
import { userKeys } from "../users/user-cache.ts";
import { confirmCurrentPassword, type UserRow } from "./current-password.ts";
import type { AccountDeps } from "./deps.ts";
import { confirmNewEmailMessage, emailChangeRequestedMessage, emailChangeTakenMessage } from "./emails.ts";
import { absoluteLink, type LinkBase } from "./links.ts";
import { enqueueAccountEmail } from "./mail.ts";
import { dropUnusedTokens, EMAIL_VERIFICATION_TTL_MS, mintAccountToken } from "./tokens.ts";

export interface ProfilePatch {
  name?: string | undefined;
  email?: string | undefined;
  currentPassword?: string | undefined;
}

export interface ProfileResult {
  user: UserView;
  /** The address a confirmation link was just sent to; null when the email was not changed. */
  pendingEmail: string | null;
}

/**
 * PATCH /me. A name changes at once. A new email needs the current password and changes nothing yet:
 * a link goes to the new address (verifyEmail then moves the account there), and the current address
 * is told. An address another account already has gets an email saying so instead of a link, and the
 * answer is the same, so this cannot be used to find out which addresses have accounts.
 */
export async function updateProfile(
  ctx: AccountDeps,
  userId: string,
  patch: ProfilePatch,
  meta: RequestMeta,
  origin: string | undefined,
): Promise<ProfileResult> {
  const [current] = await ctx.db.select().from(users).where(eq(users.id, userId));
  if (!current) throw new AppError("user_not_found");
  const requested = patch.email?.trim().toLowerCase();
  const newEmail = requested !== undefined && requested !== current.email ? requested : undefined;
  if (newEmail !== undefined) {
    if (patch.currentPassword === undefined) {
      throw new AppError("validation_failed", "Enter your current password to change your email", [
        { path: "currentPassword", message: "Enter your current password to change your email" },
      ]);
    }
    await confirmCurrentPassword(ctx, userId, patch.currentPassword, meta);
  }
  const base: LinkBase = { publicUrl: ctx.links.publicUrl, origin };
  return transact(ctx, async (tx, _emit, stale) => {
    let row: UserRow = current;
    const name = patch.name?.trim();
    if (name !== undefined && name !== current.name) {
      [row = current] = await tx
        .update(users)
        .set({ name, updatedAt: ctx.clock.now() })
        .where(eq(users.id, userId))
        .returning();
      stale(userKeys(userId));
    }
    if (newEmail !== undefined) {
      const links = {
        signIn: absoluteLink(base, "/sign-in"),
        forgot: absoluteLink(base, "/forgot-password"),
      };
      const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
      if (holder) {
        await enqueueAccountEmail(tx, ctx, emailChangeTakenMessage(newEmail, links));
      } else {
        // One pending change at a time: links to earlier requested addresses stop working.
        await dropUnusedTokens(tx, userId, ["email_verification"], { notEmail: row.email });
        const token = await mintAccountToken(tx, ctx.clock, {
          userId,
          purpose: "email_verification",
          email: newEmail,
          ttlMs: EMAIL_VERIFICATION_TTL_MS,
        });
        const link = absoluteLink(base, "/verify-email", { token });
        await enqueueAccountEmail(tx, ctx, confirmNewEmailMessage(newEmail, row.name, link));
      }
      await enqueueAccountEmail(tx, ctx, emailChangeRequestedMessage(row.email, row.name, newEmail, links));
      await recordAudit(tx, ctx.clock, {
        actor: { userId },
        action: "user.email_change_requested",
        target: { type: "user", id: userId },
        meta,
        details: { email: newEmail },
      });
    }
    return { user: presentUser(row), pendingEmail: newEmail ?? null };
  });
}
