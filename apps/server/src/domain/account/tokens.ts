import { and, desc, eq, gt, inArray, isNull, ne } from "drizzle-orm";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/database.ts";
import { hashToken, newSecretToken } from "../tokens.ts";
import { accountTokens } from "../users/schema.ts";

export type AccountTokenPurpose = (typeof accountTokens.$inferSelect)["purpose"];
export type AccountTokenRow = typeof accountTokens.$inferSelect;

/** A reset link is short-lived: whoever reads the mailbox later (a shared inbox, a backup) finds it dead. */
export const PASSWORD_RESET_TTL_MS = 30 * 60_000;
/** People verify when they get round to reading their mail. */
export const EMAIL_VERIFICATION_TTL_MS = 24 * 60 * 60_000;

/** Recognisable in a log or a paste, like `cpk_` keys; 256 random bits, so a plain hash is enough. */
const ACCOUNT_TOKEN_PREFIX = "cpat_";

/**
 * Stores a new single-use token (its hash only) and returns the token itself, for the link in the
 * email. `email` is the address the link goes to: what following it proves control of.
 */
export async function mintAccountToken(
  tx: Executor,
  clock: Clock,
  input: { userId: string; purpose: AccountTokenPurpose; email: string; ttlMs: number },
): Promise<string> {
  const token = newSecretToken(ACCOUNT_TOKEN_PREFIX);
  const now = clock.now();
  await tx.insert(accountTokens).values({
    tokenHash: hashToken(token),
    userId: input.userId,
    purpose: input.purpose,
    email: input.email,
    createdAt: now,
    expiresAt: new Date(now.getTime() + input.ttlMs),
  });
  return token;
}

/**
 * Spends a token: marks it used if it is of this purpose, unused and unexpired, in one statement (two
 * requests racing with one link cannot both pass). Null when it is not (unknown, used, expired, or
 * for something else). The caller's transaction rolling back un-spends it.
 */
export async function claimAccountToken(
  tx: Executor,
  clock: Clock,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<AccountTokenRow | null> {
  const now = clock.now();
  const [row] = await tx
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.tokenHash, hashToken(token)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

/** Reads a token without spending it (same conditions as claimAccountToken). */
export async function peekAccountToken(
  tx: Executor,
  clock: Clock,
  purpose: AccountTokenPurpose,
  token: string,
): Promise<AccountTokenRow | null> {
  const [row] = await tx
    .select()
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.tokenHash, hashToken(token)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, clock.now()),
      ),
    );
  return row ?? null;
}

/** When the user's newest live (unused, unexpired) token of this purpose was made; null when none. */
export async function newestLiveToken(
  tx: Executor,
  clock: Clock,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<Date | null> {
  const [row] = await tx
    .select({ createdAt: accountTokens.createdAt })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.userId, userId),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, clock.now()),
      ),
    )
    .orderBy(desc(accountTokens.createdAt))
    .limit(1);
  return row?.createdAt ?? null;
}

/**
 * Deletes a user's unused tokens of these purposes: superseded by a newer link, or made meaningless
 * by what just happened (a reset link sent to an address the account no longer uses). `only.email`
 * narrows it to the links sent to that address, `only.notEmail` to those sent anywhere else.
 */
export async function dropUnusedTokens(
  tx: Executor,
  userId: string,
  purposes: AccountTokenPurpose[],
  only: { email?: string; notEmail?: string } = {},
): Promise<void> {
  await tx
    .delete(accountTokens)
    .where(
      and(
        eq(accountTokens.userId, userId),
        inArray(accountTokens.purpose, purposes),
        isNull(accountTokens.usedAt),
        only.email === undefined ? undefined : eq(accountTokens.email, only.email),
        only.notEmail === undefined ? undefined : ne(accountTokens.email, only.notEmail),
      ),
    );
}
