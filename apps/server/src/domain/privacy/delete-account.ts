import { and, count, eq, ne, sql } from "drizzle-orm";
import type { Actor, RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import { apiKeyKeys } from "../auth/api-key-cache.ts";
import type { AttemptDeps } from "../auth/login.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { apiKeys, sessions } from "../auth/schema.ts";
import { sessionKeys } from "../auth/session-cache.ts";
import { consumeSecondFactor, type SecondFactor } from "../auth/two-factor.ts";
import { AppError } from "../errors.ts";
import { type Emit, type Stale, transact } from "../events/outbox.ts";
import { authorizeAccount } from "../policy.ts";
import type { Tx } from "../ports/database.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { deletedProjectKeys, memberKeys } from "../projects/access-cache.ts";
import { announceRemoval } from "../projects/members.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { USER_ROLES_LOCK } from "../users/locks.ts";
import { users } from "../users/schema.ts";
import { userKeys } from "../users/user-cache.ts";
import type { PrivacyDeps } from "./deps.ts";
import { type OwnedProjects, type OwnedProjectsPlan, planOwnedProjects } from "./owned-projects.ts";
import { pseudonymFor, type Subject } from "./pseudonym.ts";
import { scrubAudit, scrubChat, scrubLogs, scrubNotifications } from "./scrub.ts";

export interface DeleteAccountDeps extends PrivacyDeps, AttemptDeps {
  /** Opens the TOTP secret for the second-factor check. */
  box: SecretBox;
}

export interface SelfDeletion extends SecondFactor, OwnedProjects {
  password: string;
}

type UserRow = typeof users.$inferSelect;

/**
 * `DELETE /me`: the person proves it is them (password, and the second factor when it is on), then
 * the account goes (see removeAccount). A wrong password or code changes nothing.
 */
export async function deleteOwnAccount(
  ctx: DeleteAccountDeps,
  actor: Extract<Actor, { kind: "session" }>,
  input: SelfDeletion,
  meta: RequestMeta,
): Promise<void> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) throw new AppError("user_not_found");
  // A stolen session must not be able to guess its way to deleting the account: wrong passwords
  // count as failed sign-ins of the address, wrong codes as failed second factors (auth/throttle.ts).
  const codeSubject = `user:${user.id}`;
  await ctx.attempts.signIn.check(user.email, meta.ip);
  await ctx.attempts.secondFactor.check(codeSubject, meta.ip);
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await ctx.attempts.signIn.fail(user.email, meta.ip);
    throw new AppError("invalid_credentials", "Wrong password");
  }
  if (user.totpSecret && input.otp === undefined && input.recoveryCode === undefined) {
    throw new AppError("mfa_required", "Enter the code from your authenticator app or a recovery code");
  }
  try {
    await removeAccount(ctx, actor, user.id, input, meta, async (tx, current) => {
      if (current.totpSecret && !(await consumeSecondFactor(ctx, tx, current, input))) {
        throw new AppError("mfa_invalid");
      }
    });
  } catch (error) {
    if (error instanceof AppError && error.code === "mfa_invalid") {
      await ctx.attempts.secondFactor.fail(codeSubject, meta.ip);
    }
    throw error;
  }
}

/** `DELETE /users/:id`: an admin deletes someone else's account (their own goes through DELETE /me). */
export async function deleteUserAccount(
  ctx: DeleteAccountDeps,
  actor: Actor,
  userId: string,
  choice: OwnedProjects,
  meta: RequestMeta,
): Promise<void> {
  authorizeAccount(actor, "users:manage");
  if (userId === actor.userId) {
    throw new AppError("forbidden", "Delete your own account with DELETE /me (it asks for your password)");
  }
  await removeAccount(ctx, actor, userId, choice, meta);
}

/**
 * Deletes an account in one transaction: nothing changes unless all of it does.
 * - Projects the person alone owns are transferred or deleted (owned-projects.ts); their other
 *   memberships end (`member.removed`, so open connections re-check access).
 * - Sessions and API keys end (`session.revoked`, `api_key.revoked`: sockets and collaboration
 *   connections close at once); cached sessions, keys, the user and memberships are invalidated.
 * - Chat, other people's notifications, the audit log, the event log, queued jobs and webhook
 *   deliveries are scrubbed (scrub.ts); the event log after this transaction's own events are in it.
 * - The user row goes; everything else that is theirs goes with it (foreign keys cascade:
 *   recovery codes, account tokens, identities, keys, push subscriptions, preferences, notifications,
 *   memberships, reactions, read markers, webhooks, file-editor records, data exports).
 * The audit log gets one pseudonymous `account.deleted` entry.
 */
async function removeAccount(
  ctx: DeleteAccountDeps,
  actor: Actor,
  userId: string,
  choice: OwnedProjects,
  meta: RequestMeta,
  verify?: (tx: Tx, user: UserRow) => Promise<void>,
): Promise<void> {
  let subject: Subject | undefined;
  await transact(
    ctx,
    async (tx, emit, stale) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${USER_ROLES_LOCK})`);
      const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
      if (!user) throw new AppError("user_not_found");
      await verify?.(tx, user);
      if (user.role === "admin") {
        const [{ others } = { others: 0 }] = await tx
          .select({ others: count() })
          .from(users)
          .where(and(eq(users.role, "admin"), ne(users.id, userId)));
        if (others === 0) {
          throw new AppError("last_admin", "Make another account an admin before deleting the last admin");
        }
      }
      subject = {
        id: user.id,
        email: user.email,
        name: user.name,
        pseudonym: pseudonymFor(ctx.privacy.pseudonymKey, user.id),
      };
      const self = actor.userId === userId;
      const plan = await planOwnedProjects(tx, userId, choice);
      await handOver(ctx, tx, emit, stale, actor, plan, meta);
      await leaveProjects(tx, emit, stale, actor, userId);
      await endSignIns(tx, emit, stale, actor, userId);
      stale(userKeys(userId));

      const now = ctx.clock.now();
      await scrubChat(tx, subject, now);
      await scrubNotifications(tx, subject);
      await tx.delete(users).where(eq(users.id, userId));
      await scrubAudit(tx, subject);
      // After the scrub: this entry is already pseudonymous, and a person's own request leaves no IP.
      await recordAudit(tx, ctx.clock, {
        actor: { userId: self ? subject.pseudonym : actor.userId },
        action: "account.deleted",
        target: { type: "user", id: subject.pseudonym },
        meta: self ? undefined : meta,
        details: {
          by: self ? "self" : "admin",
          projectsTransferred: plan.transfers.length,
          projectsDeleted: plan.deletions.length,
        },
      });
    },
    { afterRecord: (tx) => (subject ? scrubLogs(tx, subject) : Promise.resolve()) },
  );
}

/** Transfers and deletions of the projects the person alone owned. */
async function handOver(
  ctx: DeleteAccountDeps,
  tx: Tx,
  emit: Emit,
  stale: Stale,
  actor: Actor,
  plan: OwnedProjectsPlan,
  meta: RequestMeta,
): Promise<void> {
  for (const transfer of plan.transfers) {
    const { projectId, toUserId, previousRole } = transfer;
    await tx
      .update(projectMembers)
      .set({ role: "owner" })
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, toUserId)));
    stale(memberKeys(projectId, toUserId));
    // The server hands it over (actor null): the departing account is not who the new owner hears from.
    emit({
      type: "member.role_changed",
      actorId: null,
      data: { projectId, userId: toUserId, role: "owner", previousRole },
    });
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "member.role_changed",
      target: { type: "project", id: projectId },
      meta,
      details: { userId: toUserId, role: "owner", previousRole, reason: "owner_account_deleted" },
    });
  }
  for (const { projectId, otherMemberIds } of plan.deletions) {
    const everyone = await tx
      .select({ userId: projectMembers.userId })
      .from(projectMembers)
      .where(eq(projectMembers.projectId, projectId));
    await tx.delete(projects).where(eq(projects.id, projectId));
    stale(
      deletedProjectKeys(
        projectId,
        everyone.map((member) => member.userId),
      ),
    );
    emit(
      { type: "project.deleted", actorId: actor.userId, data: { projectId } },
      { audience: otherMemberIds },
    );
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "project.deleted",
      target: { type: "project", id: projectId },
      meta,
      details: { reason: "owner_account_deleted" },
    });
  }
}

/** Every remaining membership ends; the remaining members (and the person's own sockets) hear of it. */
async function leaveProjects(tx: Tx, emit: Emit, stale: Stale, actor: Actor, userId: string): Promise<void> {
  const memberships = await tx
    .delete(projectMembers)
    .where(eq(projectMembers.userId, userId))
    .returning({ projectId: projectMembers.projectId });
  for (const { projectId } of memberships) {
    stale(memberKeys(projectId, userId));
    await announceRemoval(tx, emit, actor.userId, projectId, userId);
  }
}

/** Live sessions and API keys end now, on every node: their events close sockets and collab connections. */
async function endSignIns(tx: Tx, emit: Emit, stale: Stale, actor: Actor, userId: string): Promise<void> {
  const signIns = await tx
    .select({ id: sessions.id, revokedAt: sessions.revokedAt })
    .from(sessions)
    .where(eq(sessions.userId, userId));
  for (const session of signIns) {
    stale(sessionKeys(session.id));
    if (session.revokedAt === null) {
      emit({ type: "session.revoked", actorId: actor.userId, data: { userId, sessionId: session.id } });
    }
  }
  const keys = await tx
    .select({ id: apiKeys.id, keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId));
  for (const key of keys) {
    stale(apiKeyKeys(key.keyHash));
    emit({ type: "api_key.revoked", actorId: actor.userId, data: { userId, apiKeyId: key.id } });
  }
  // The rows go with the account (cascade); these are deleted first only to say so plainly.
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx.delete(apiKeys).where(eq(apiKeys.userId, userId));
}
