import { randomBytes } from "node:crypto";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import type { Executor } from "../ports/database.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { hashToken } from "../tokens.ts";
import { recoveryCodes, users } from "../users/schema.ts";
import { userKeys } from "../users/user-cache.ts";
import type { AttemptThrottle } from "./throttle.ts";
import { matchTotp, newTotpSecret, qrCodeDataUrl, totpUri } from "./totp.ts";

/** TOTP secrets are sealed at rest. */
export interface TwoFactorDeps extends EventDeps {
  box: SecretBox;
}

const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

type UserRow = typeof users.$inferSelect;

export interface SecondFactor {
  otp?: string | undefined;
  recoveryCode?: string | undefined;
}

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((byte) => RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** People type recovery codes with spaces, dashes and capitals; compare on the bare characters. */
function normaliseRecoveryCode(code: string): string {
  const bare = code.toLowerCase().replace(/[^a-z0-9]/g, "");
  return `${bare.slice(0, 5)}-${bare.slice(5)}`;
}

/**
 * Checks a TOTP code or a recovery code and consumes it atomically: the step (or the recovery code)
 * is recorded with a conditional update, so two concurrent requests cannot both use one code.
 */
export async function consumeSecondFactor(
  ctx: TwoFactorDeps,
  tx: Executor,
  user: UserRow,
  factor: SecondFactor,
): Promise<boolean> {
  if (factor.otp !== undefined && user.totpSecret) {
    const secret = ctx.box.open(user.totpSecret);
    const step = await matchTotp(secret, factor.otp.trim(), ctx.clock.now(), user.totpLastStep);
    if (step === null) return false;
    const claimed = await tx
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id });
    return claimed.length === 1;
  }
  if (factor.recoveryCode !== undefined) {
    const used = await tx
      .update(recoveryCodes)
      .set({ usedAt: ctx.clock.now() })
      .where(
        and(
          eq(recoveryCodes.userId, user.id),
          eq(recoveryCodes.codeHash, hashToken(normaliseRecoveryCode(factor.recoveryCode))),
          isNull(recoveryCodes.usedAt),
        ),
      )
      .returning({ id: recoveryCodes.id });
    return used.length === 1;
  }
  return false;
}

async function loadUser(tx: Executor, userId: string): Promise<UserRow> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("user_not_found");
  return user;
}

export async function beginTwoFactorSetup(ctx: TwoFactorDeps, userId: string) {
  const user = await loadUser(ctx.db, userId);
  if (user.totpSecret) throw new AppError("mfa_already_enabled");
  const secret = await newTotpSecret();
  await ctx.db
    .update(users)
    .set({ totpPendingSecret: ctx.box.seal(secret), updatedAt: ctx.clock.now() })
    .where(eq(users.id, userId));
  const otpauthUrl = await totpUri(secret, user.email);
  return { secret, otpauthUrl, qrCodeDataUrl: await qrCodeDataUrl(otpauthUrl) };
}

/** Confirms setup with a first code; returns fresh single-use recovery codes (shown once). */
export async function enableTwoFactor(ctx: TwoFactorDeps, userId: string, code: string, meta: RequestMeta) {
  return transact(ctx, async (tx, _emit, stale) => {
    const user = await loadUser(tx, userId);
    if (user.totpSecret) throw new AppError("mfa_already_enabled");
    if (!user.totpPendingSecret) throw new AppError("mfa_not_setup");
    const secret = ctx.box.open(user.totpPendingSecret);
    const step = await matchTotp(secret, code.trim(), ctx.clock.now(), user.totpLastStep);
    if (step === null) throw new AppError("mfa_invalid");
    const now = ctx.clock.now();
    await tx
      .update(users)
      .set({
        totpSecret: user.totpPendingSecret,
        totpPendingSecret: null,
        totpLastStep: step,
        updatedAt: now,
      })
      .where(eq(users.id, userId));
    stale(userKeys(userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx
      .insert(recoveryCodes)
      .values(
        codes.map((c) => ({ id: newId("rc", now.getTime()), userId, codeHash: hashToken(c), usedAt: null })),
      );
    await recordAudit(tx, ctx.clock, {
      actor: { userId },
      action: "mfa.enabled",
      target: { type: "user", id: userId },
      meta,
      details: { method: "totp", recoveryCodes: codes.length },
    });
    return { recoveryCodes: codes };
  });
}

export async function disableTwoFactor(
  ctx: TwoFactorDeps & { attempts: { secondFactor: AttemptThrottle } },
  userId: string,
  factor: SecondFactor,
  meta: RequestMeta,
): Promise<void> {
  // A stolen session must not be able to guess its way to switching 2FA off.
  const subject = `user:${userId}`;
  await ctx.attempts.secondFactor.check(subject, meta.ip);
  const ok = await transact(ctx, async (tx, _emit, stale) => {
    const user = await loadUser(tx, userId);
    if (!user.totpSecret) throw new AppError("mfa_not_enabled");
    if (!(await consumeSecondFactor(ctx, tx, user, factor))) return false;
    await tx
      .update(users)
      .set({ totpSecret: null, totpPendingSecret: null, totpLastStep: null, updatedAt: ctx.clock.now() })
      .where(eq(users.id, userId));
    stale(userKeys(userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await recordAudit(tx, ctx.clock, {
      actor: { userId },
      action: "mfa.disabled",
      target: { type: "user", id: userId },
      meta,
      details: { confirmedWith: factor.otp !== undefined ? "otp" : "recovery_code" },
    });
    return true;
  });
  if (!ok) {
    await ctx.attempts.secondFactor.fail(subject, meta.ip);
    throw new AppError("mfa_invalid");
  }
  await ctx.attempts.secondFactor.succeed(subject);
}
