import type { ProjectRole } from "@codepark/protocol";
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { Actor, RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Emit, transact } from "../events/outbox.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import type { Executor, Tx } from "../ports/database.ts";
import { isUniqueViolation } from "../ports/database.ts";
import { users } from "../users/schema.ts";
import { loadProjectFor, readProjectFor, readProjectsFor } from "./access.ts";
import { memberKeys } from "./access-cache.ts";
import { projectMembers } from "./schema.ts";

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: ProjectRole;
  joinedAt: string;
}

const memberColumns = {
  userId: projectMembers.userId,
  email: users.email,
  name: users.name,
  role: projectMembers.role,
  joinedAt: projectMembers.createdAt,
};

type MemberRow = { userId: string; email: string; name: string; role: ProjectRole; joinedAt: Date };

const present = (row: MemberRow): MemberView => ({ ...row, joinedAt: row.joinedAt.toISOString() });

async function findMember(tx: Executor, projectId: string, userId: string): Promise<MemberRow | undefined> {
  const [row] = await tx
    .select(memberColumns)
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
  return row;
}

export async function listMembers(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  page: PageRequest,
): Promise<Page<MemberView>> {
  await readProjectFor(ctx, actor, projectId, "members:read");
  const rows = await ctx.db
    .select(memberColumns)
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(
      and(
        eq(projectMembers.projectId, projectId),
        page.cursor ? gt(projectMembers.userId, page.cursor) : undefined,
      ),
    )
    .orderBy(asc(projectMembers.userId))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, present, (row) => row.userId);
}

/**
 * The first page of members of many projects in two statements (GraphQL's batched loads): the same
 * policy as listMembers per project; a project the caller may not read maps to that error.
 */
export async function listMembersOfProjects(
  ctx: EventDeps,
  actor: Actor,
  projectIds: readonly string[],
  limit: number,
): Promise<Map<string, Page<MemberView> | AppError>> {
  const access = await readProjectsFor(ctx, actor, projectIds, "members:read");
  const readable = projectIds.filter((projectId) => !(access.get(projectId) instanceof AppError));
  const result = new Map<string, Page<MemberView> | AppError>();
  for (const [projectId, outcome] of access) if (outcome instanceof AppError) result.set(projectId, outcome);
  if (readable.length === 0) return result;
  // Each project's first limit + 1 members by user id, as listMembers orders and pages them.
  const ranked = ctx.db
    .select({
      ...memberColumns,
      projectId: projectMembers.projectId,
      rank: sql<number>`row_number() over (partition by ${projectMembers.projectId} order by ${projectMembers.userId})`.as(
        "rank",
      ),
    })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(inArray(projectMembers.projectId, readable))
    .as("ranked");
  const rows = await ctx.db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, limit + 1))
    .orderBy(asc(ranked.projectId), asc(ranked.userId));
  for (const projectId of readable) {
    const own = rows.filter((row) => row.projectId === projectId);
    result.set(
      projectId,
      toPage(
        own,
        limit,
        ({ projectId: _project, rank: _rank, ...row }) => present(row),
        (row) => row.userId,
      ),
    );
  }
  return result;
}

export async function addMember(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  input: { email: string; role: ProjectRole },
  meta: RequestMeta,
): Promise<MemberView> {
  let member: MemberView;
  try {
    member = await transact(ctx, async (tx, emit, stale) => {
      await loadProjectFor(tx, actor, projectId, "members:manage");
      const [user] = await tx
        .select({ id: users.id, emailVerifiedAt: users.emailVerifiedAt })
        .from(users)
        .where(eq(users.email, input.email.trim().toLowerCase()));
      if (!user) throw new AppError("user_not_found", "No account uses this email");
      // Only people who proved they read their address can be added (docs/accounts.md).
      if (user.emailVerifiedAt === null) {
        throw new AppError(
          "email_unverified",
          "This person has not verified their email address yet; add them once they have",
        );
      }
      await tx
        .insert(projectMembers)
        .values({ projectId, userId: user.id, role: input.role, createdAt: ctx.clock.now() });
      stale(memberKeys(projectId, user.id));
      const added = present((await findMember(tx, projectId, user.id))!);
      emit({
        type: "member.added",
        actorId: actor.userId,
        data: { projectId, userId: added.userId, role: added.role },
      });
      await recordAudit(tx, ctx.clock, {
        actor,
        action: "member.added",
        target: { type: "project", id: projectId },
        meta,
        details: { userId: added.userId, role: added.role },
      });
      return added;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("member_exists", "This person is already a member");
    throw error;
  }
  return member;
}

/**
 * Ensures the project would keep an owner. Locks the owner rows (FOR UPDATE) so two owners
 * demoting each other concurrently cannot both succeed.
 */
async function assertKeepsAnOwner(tx: Executor, projectId: string, leavingUserId: string): Promise<void> {
  const owners = await tx
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, "owner")))
    .for("update");
  if (owners.every((owner) => owner.userId === leavingUserId)) throw new AppError("last_owner");
}

export async function changeMemberRole(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  userId: string,
  role: ProjectRole,
  meta: RequestMeta,
): Promise<MemberView> {
  const previous = await transact(ctx, async (tx, emit, stale) => {
    await loadProjectFor(tx, actor, projectId, "members:manage");
    const member = await findMember(tx, projectId, userId);
    if (!member) throw new AppError("not_found", "Member not found");
    if (member.role === "owner" && role !== "owner") await assertKeepsAnOwner(tx, projectId, userId);
    await tx
      .update(projectMembers)
      .set({ role })
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    stale(memberKeys(projectId, userId));
    if (member.role !== role) {
      emit({
        type: "member.role_changed",
        actorId: actor.userId,
        data: { projectId, userId, role, previousRole: member.role },
      });
      await recordAudit(tx, ctx.clock, {
        actor,
        action: "member.role_changed",
        target: { type: "project", id: projectId },
        meta,
        details: { userId, role, previousRole: member.role },
      });
    }
    return member;
  });
  return present({ ...previous, role });
}

/** Owners remove anyone; any member may remove themselves (leave). */
export async function removeMember(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  userId: string,
  meta: RequestMeta,
): Promise<void> {
  await transact(ctx, async (tx, emit, stale) => {
    await loadProjectFor(tx, actor, projectId, userId === actor.userId ? "project:leave" : "members:manage");
    const member = await findMember(tx, projectId, userId);
    if (!member) throw new AppError("not_found", "Member not found");
    if (member.role === "owner") await assertKeepsAnOwner(tx, projectId, userId);
    await tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    stale(memberKeys(projectId, userId));
    await announceRemoval(tx, emit, actor.userId, projectId, userId);
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "member.removed",
      target: { type: "project", id: projectId },
      meta,
      details: { userId, role: member.role, left: userId === actor.userId },
    });
  });
}

/**
 * `member.removed`, once the row is gone: heard by the remaining members and by the removed person,
 * who can no longer read the project but should still hear they were removed.
 */
export async function announceRemoval(
  tx: Tx,
  emit: Emit,
  actorId: string,
  projectId: string,
  userId: string,
): Promise<void> {
  const remaining = await tx
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(eq(projectMembers.projectId, projectId));
  emit(
    { type: "member.removed", actorId, data: { projectId, userId } },
    { audience: [userId, ...remaining.map((member) => member.userId)] },
  );
}
