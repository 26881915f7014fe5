import { and, count, eq, gt, sql } from "drizzle-orm";
import type { AccountDeps } from "../account/deps.ts";
import { signupExistingMessage } from "../account/emails.ts";
import { absoluteLink, type LinkBase } from "../account/links.ts";
import { enqueueAccountEmail } from "../account/mail.ts";
import { sendVerificationEmail } from "../account/verification.ts";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { auditLog } from "../audit/schema.ts";
import { assertPasswordAcceptable } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { USER_ROLES_LOCK } from "./locks.ts";
import { presentUser } from "./present.ts";
import { users } from "./schema.ts";

const SIGNUP_EXISTING = "auth.signup_with_existing_email";
/** Sign-up attempts with a taken address email its owner at most this often. */
export const SIGNUP_NOTICE_INTERVAL_MS = 60 * 60_000;

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

/**
 * POST /auth/register. The answer is the same whether or not the address already has an account: a
 * new address gets the account (unverified; the first account on the instance is admin) and a
 * verification email; a taken one creates nothing and its owner is emailed instead. Both paths hash
 * the password and do comparable work in one transaction, so the time says little either. The
 * caller signs in next (unverified accounts may); what that reveals is in docs/accounts.md.
 */
export async function registerUser(
  ctx: AccountDeps,
  input: RegisterInput,
  meta: RequestMeta,
  origin: string | undefined,
): Promise<{ status: "verification_sent" }> {
  const email = input.email.trim().toLowerCase();
  assertPasswordAcceptable(input.password, email);
  const passwordHash = await hashPassword(input.password);
  const base: LinkBase = { publicUrl: ctx.links.publicUrl, origin };
  await transact(ctx, async (tx, emit) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${USER_ROLES_LOCK})`);
    const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(users);
    const now = ctx.clock.now();
    const [created] = await tx
      .insert(users)
      .values({
        id: newId("usr", now.getTime()),
        email,
        name: input.name.trim(),
        passwordHash,
        role: total === 0 ? "admin" : "user",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (created) {
      await sendVerificationEmail(tx, ctx, created, base);
      const view = presentUser(created);
      emit({
        type: "user.created",
        actorId: view.id,
        data: { user: { id: view.id, email: view.email, name: view.name, role: view.role } },
      });
      return;
    }
    const [owner] = await tx
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(eq(users.email, email));
    if (!owner) return;
    // One notice an hour is enough for the owner: repeated attempts must not flood their mailbox.
    const [recent] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, SIGNUP_EXISTING),
          eq(auditLog.targetId, owner.id),
          gt(auditLog.occurredAt, new Date(now.getTime() - SIGNUP_NOTICE_INTERVAL_MS)),
        ),
      )
      .limit(1);
    if (!recent) {
      await enqueueAccountEmail(
        tx,
        ctx,
        signupExistingMessage(email, owner.name, {
          signIn: absoluteLink(base, "/sign-in"),
          forgot: absoluteLink(base, "/forgot-password"),
        }),
      );
    }
    await recordAudit(tx, ctx.clock, {
      actor: null,
      action: SIGNUP_EXISTING,
      target: { type: "user", id: owner.id },
      meta,
      details: { emailed: !recent },
    });
  });
  return { status: "verification_sent" };
}
