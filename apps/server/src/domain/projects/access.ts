import type { ProjectRole } from "@codepark/protocol";
import { and, eq, inArray } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { authorizeProject, type ProjectAction } from "../policy.ts";
import type { Executor } from "../ports/database.ts";
import { cachedProjectAccess, cachedProjectsAccess } from "./access-cache.ts";
import { projectMembers, projects } from "./schema.ts";

export type ProjectRow = typeof projects.$inferSelect;

export interface LoadedProject {
  project: ProjectRow;
  memberRole: ProjectRole | null;
}

/** The project and the user's role in it, in one query; null when there is no such project. */
export async function selectProjectAccess(
  db: Executor,
  userId: string,
  projectId: string,
): Promise<LoadedProject | null> {
  const [row] = await db
    .select({ project: projects, memberRole: projectMembers.role })
    .from(projects)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)),
    )
    .where(eq(projects.id, projectId));
  return row ?? null;
}

/** The same for many projects in one query (GraphQL's batched loads): projectId → access, absent ones left out. */
export async function selectProjectsAccess(
  db: Executor,
  userId: string,
  projectIds: readonly string[],
): Promise<Map<string, LoadedProject>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .select({ project: projects, memberRole: projectMembers.role })
    .from(projects)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)),
    )
    .where(inArray(projects.id, [...projectIds]));
  return new Map(rows.map((row) => [row.project.id, row]));
}

function authorized(actor: Actor, action: ProjectAction, loaded: LoadedProject | null): LoadedProject {
  if (!loaded) throw new AppError("not_found", "Project not found");
  authorizeProject(actor, action, { visibility: loaded.project.visibility, memberRole: loaded.memberRole });
  return loaded;
}

/**
 * Loads a project with the actor's role in it and applies the policy for `action`, from the store:
 * for commands, inside their transaction (the check and the write see one state).
 */
export async function loadProjectFor(
  db: Executor,
  actor: Actor,
  projectId: string,
  action: ProjectAction,
): Promise<LoadedProject> {
  return authorized(actor, action, await selectProjectAccess(db, actor.userId, projectId));
}

/** The project and the user's role in it, cache-aside (projects/access-cache.ts); null when absent. */
export function readProjectAccess(
  ctx: StoreDeps & CacheDeps,
  userId: string,
  projectId: string,
): Promise<LoadedProject | null> {
  return ctx.cache.enabled
    ? cachedProjectAccess(ctx, userId, projectId)
    : selectProjectAccess(ctx.db, userId, projectId);
}

/**
 * The same for reads outside a transaction, cache-aside: every change to a project or a membership
 * invalidates its keys before its command returns (projects/access-cache.ts).
 */
export async function readProjectFor(
  ctx: StoreDeps & CacheDeps,
  actor: Actor,
  projectId: string,
  action: ProjectAction,
): Promise<LoadedProject> {
  return authorized(actor, action, await readProjectAccess(ctx, actor.userId, projectId));
}

/**
 * readProjectFor for many projects at once, one statement: each id maps to its project or to the
 * error readProjectFor would have thrown for it (the same policy, per project).
 */
export async function readProjectsFor(
  ctx: StoreDeps & CacheDeps,
  actor: Actor,
  projectIds: readonly string[],
  action: ProjectAction,
): Promise<Map<string, LoadedProject | AppError>> {
  const found = ctx.cache.enabled
    ? await cachedProjectsAccess(ctx, actor.userId, projectIds)
    : await selectProjectsAccess(ctx.db, actor.userId, projectIds);
  const result = new Map<string, LoadedProject | AppError>();
  for (const projectId of projectIds) {
    try {
      result.set(projectId, authorized(actor, action, found.get(projectId) ?? null));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      result.set(projectId, error);
    }
  }
  return result;
}
