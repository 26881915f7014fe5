import { count, sql } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { assertPasswordAcceptable } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import type { SessionDeps } from "../auth/sessions.ts";
import { type AuthResult, startSession } from "../auth/sessions.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { isUniqueViolation } from "../ports/database.ts";
import { USER_ROLES_LOCK } from "./locks.ts";
import { presentUser } from "./present.ts";
import { users } from "./schema.ts";

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

export async function registerUser(
  ctx: SessionDeps,
  input: RegisterInput,
  meta: RequestMeta,
): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase();
  assertPasswordAcceptable(input.password, email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await transact(ctx, async (tx, emit) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${USER_ROLES_LOCK})`);
      const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(users);
      const now = ctx.clock.now();
      const [user] = await tx
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
        .returning();
      const tokens = await startSession(ctx, tx, user!.id, meta);
      const view = presentUser(user!);
      emit({
        type: "user.created",
        actorId: view.id,
        data: { user: { id: view.id, email: view.email, name: view.name, role: view.role } },
      });
      return { user: view, ...tokens };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError("email_taken", "An account with this email already exists");
    throw error;
  }
}
