import { and, count, eq, gt, sql } from "drizzle-orm";
import type { AccountDeps } from "../account/deps.ts";
import { signupExistingMessage } from "../account/emails.ts";
import { absoluteLink, type LinkBase } from "../account/links.ts";
import { ACCOUNT_QUEUE, enqueueAccountEmail, type Sealed, seal, unseal } from "../account/mail.ts";
import { sendVerificationEmail } from "../account/verification.ts";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { auditLog } from "../audit/schema.ts";
import { assertPasswordAcceptable } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import { transact } from "../events/outbox.ts";
import { domainEvents } from "../events/schema.ts";
import { newId } from "../ids.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import { jobType, Priority } from "../jobs/job-type.ts";
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

export interface Registered {
  /** The new account's id; null when the address was taken (nothing was created). */
  userId: string | null;
  email: string;
  origin: string | null;
  meta: RequestMeta;
}

/**
 * What follows a sign-up, done after the answer so the request does the same work either way: a
 * new account's verification email and `user.created` event, or the owner's notice. Sealed: it holds
 * the address and the IP address of whoever signed up.
 */
export const registrationFollowUp = jobType<Sealed>({
  name: "account.registered",
  queue: ACCOUNT_QUEUE,
  priority: Priority.critical,
  maxAttempts: 20,
});

/**
 * POST /auth/register. The answer is the same whether or not the address already has an account,
 * and so is the work behind it: the password is hashed, then one transaction inserts the account
 * unless the address is taken (the first account on the instance is admin) and enqueues one
 * follow-up job. The job emails a new account its verification link, or a taken address's owner a
 * notice. The caller signs in next (unverified accounts may); what that reveals is in
 * docs/accounts.md.
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
  await ctx.db.transaction(async (tx) => {
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
      .returning({ id: users.id });
    const followUp: Registered = {
      userId: created?.id ?? null,
      email,
      origin: origin ?? null,
      meta: { ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) },
    };
    await enqueueJob(tx, ctx.clock, registrationFollowUp, seal(ctx.box, followUp));
  });
  return { status: "verification_sent" };
}

/**
 * The account.registered job (see registrationFollowUp). `retry`: an earlier attempt ran and may have
 * committed before failing to finish, so what it did is looked for first (nothing is done twice).
 */
export async function followUpRegistration(ctx: AccountDeps, sealed: Sealed, retry: boolean): Promise<void> {
  const payload = unseal<Registered>(ctx.box, sealed);
  const base: LinkBase = { publicUrl: ctx.links.publicUrl, origin: payload.origin ?? undefined };
  if (payload.userId) {
    const userId = payload.userId;
    await transact(ctx, async (tx, emit) => {
      const [user] = await tx.select().from(users).where(eq(users.id, userId));
      if (!user) return;
      if (retry) {
        const [done] = await tx
          .select({ id: domainEvents.id })
          .from(domainEvents)
          .where(and(eq(domainEvents.type, "user.created"), eq(domainEvents.actorId, userId)))
          .limit(1);
        if (done) return;
      }
      await sendVerificationEmail(tx, ctx, user, base);
      const view = presentUser(user);
      emit({
        type: "user.created",
        actorId: view.id,
        data: { user: { id: view.id, email: view.email, name: view.name, role: view.role } },
      });
    });
    return;
  }
  await ctx.db.transaction(async (tx) => {
    const [owner] = await tx
      .select({ id: users.id, name: users.name, email: users.email })
      .from(users)
      .where(eq(users.email, payload.email))
      .for("update");
    if (!owner) return;
    // One notice an hour is enough for the owner: repeated attempts must not flood their mailbox.
    const [recent] = await tx
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, SIGNUP_EXISTING),
          eq(auditLog.targetId, owner.id),
          gt(auditLog.occurredAt, new Date(ctx.clock.now().getTime() - SIGNUP_NOTICE_INTERVAL_MS)),
        ),
      )
      .limit(1);
    if (!recent) {
      await enqueueAccountEmail(
        tx,
        ctx,
        signupExistingMessage(owner.email, owner.name, {
          signIn: absoluteLink(base, "/sign-in"),
          forgot: absoluteLink(base, "/forgot-password"),
        }),
      );
    }
    await recordAudit(tx, ctx.clock, {
      actor: null,
      action: SIGNUP_EXISTING,
      target: { type: "user", id: owner.id },
      meta: payload.meta,
      details: { emailed: !recent },
    });
  });
}
