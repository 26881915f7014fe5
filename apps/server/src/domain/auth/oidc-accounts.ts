import { randomBytes } from "node:crypto";
import { BIDI_CONTROLS } from "@codepark/protocol/api";
import { and, count, eq, sql } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import type { Emit } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import type { Executor } from "../ports/database.ts";
import type { OidcIdentity } from "../ports/oidc.ts";
import { USER_ROLES_LOCK } from "../users/locks.ts";
import { presentUser } from "../users/present.ts";
import { userIdentities, users } from "../users/schema.ts";
import { hashPassword } from "./passwords.ts";

type UserRow = typeof users.$inferSelect;

/** Whose account an identity signs in to, and how that was decided. */
export type OidcAccount =
  | { user: UserRow; via: "identity" | "verified_email" | "new_account" }
  /** Refused: the provider did not verify the email (nothing may be linked or created by it). */
  | { refused: "oidc_email_unverified"; userId: null }
  /** Refused: an account has this email but never proved it owns it (it could be a squatter's). */
  | { refused: "oidc_link_refused"; userId: string };

const NAME_MAX = 100;
const UNPRINTABLE = new RegExp(`[\\u0000-\\u001f\\u007f]|${BIDI_CONTROLS.source}`, "g");

/** A display name from the provider's claims (or the email's local part), as registration would accept it. */
function nameFrom(identity: OidcIdentity, email: string): string {
  const cleaned = (identity.name ?? "").replace(UNPRINTABLE, "").trim().slice(0, NAME_MAX).trim();
  return cleaned || email.split("@")[0]!.slice(0, NAME_MAX) || "CodePark user";
}

/**
 * The linking rules (docs/oidc.md), in the caller's transaction:
 * 1. an identity already linked (issuer + subject) signs in to its account, whatever the email says now;
 * 2. otherwise the provider must vouch for the email (`email_verified: true`), or nothing happens;
 * 3. an account with that email is linked only if its own email is verified;
 * 4. no account with that email: one is created, verified, with an unusable random password (a
 *    password can be set later through a password reset).
 * Never by an unverified email: linking gives the identity's holder the account. Linking changes
 * nothing a user is presented with, so no cache entry goes stale.
 */
export async function resolveOidcAccount(
  ctx: EventDeps,
  tx: Executor,
  emit: Emit,
  identity: OidcIdentity,
  meta: RequestMeta,
): Promise<OidcAccount> {
  const key = and(eq(userIdentities.issuer, identity.issuer), eq(userIdentities.subject, identity.subject));
  const [linked] = await tx
    .select({ user: users, email: userIdentities.email })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(key);
  if (linked) {
    // Kept for the person's and admins' information only: the link is the subject, not the email.
    if (identity.email && identity.email !== linked.email) {
      await tx.update(userIdentities).set({ email: identity.email }).where(key);
    }
    return { user: linked.user, via: "identity" };
  }
  const email = identity.email;
  if (!email || !identity.emailVerified) return { refused: "oidc_email_unverified", userId: null };

  const now = ctx.clock.now();
  const [existing] = await tx.select().from(users).where(eq(users.email, email));
  let user: UserRow;
  let via: "verified_email" | "new_account";
  if (existing) {
    if (!existing.emailVerifiedAt) return { refused: "oidc_link_refused", userId: existing.id };
    user = existing;
    via = "verified_email";
  } else {
    // As registration: the first account of an instance is its admin (under the same lock).
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${USER_ROLES_LOCK})`);
    const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(users);
    const [created] = await tx
      .insert(users)
      .values({
        id: newId("usr", now.getTime()),
        email,
        name: nameFrom(identity, email),
        // Nobody knows this password: the account signs in through the provider until one is set.
        passwordHash: await hashPassword(randomBytes(32).toString("base64url")),
        role: total === 0 ? "admin" : "user",
        emailVerifiedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    user = created!;
    via = "new_account";
    const view = presentUser(user);
    emit({
      type: "user.created",
      actorId: view.id,
      data: { user: { id: view.id, email: view.email, name: view.name, role: view.role } },
    });
  }
  await tx.insert(userIdentities).values({
    issuer: identity.issuer,
    subject: identity.subject,
    userId: user.id,
    email,
    createdAt: now,
  });
  await recordAudit(tx, ctx.clock, {
    actor: { userId: user.id },
    action: "auth.oidc_linked",
    target: { type: "user", id: user.id },
    meta,
    details: { issuer: identity.issuer, subject: identity.subject, email, via },
  });
  return { user, via };
}
