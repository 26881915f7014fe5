import type { ProjectRole } from "@codepark/protocol";
import { and, eq } from "drizzle-orm";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { projectMembers, projects } from "./schema.ts";

/**
 * Two cache families behind the project policy, so each change is one key:
 * - `project:<projectId>`: the project row (visibility decides who may read it; REST presents the rest);
 * - `member:<projectId>:<userId>`: the user's role in it, or null for no membership.
 *
 * Rules, each marked stale by the command after it commits:
 * - the project row changes (projects/commands.ts updateProject): `projectKeys`;
 * - a membership is added, re-roled or removed (projects/members.ts): `memberKeys`;
 * - the project is deleted (projects/commands.ts deleteProject, the memberships go with it):
 *   `deletedProjectKeys` with every member.
 * A project that does not exist is not cached and its memberships are read only once it is found,
 * so creating one needs no invalidation: nothing about it can be cached before it commits.
 */
const projectKey = (projectId: string) => `project:${projectId}`;
const memberKey = (projectId: string, userId: string) => `member:${projectId}:${userId}`;

export function projectKeys(projectId: string): string[] {
  return [projectKey(projectId)];
}

export function memberKeys(projectId: string, userId: string): string[] {
  return [memberKey(projectId, userId)];
}

export function deletedProjectKeys(projectId: string, memberIds: readonly string[]): string[] {
  return [projectKey(projectId), ...memberIds.map((userId) => memberKey(projectId, userId))];
}

type ProjectRow = typeof projects.$inferSelect;

/** The row as cached: the timestamps as ISO strings. */
type CachedProject = Omit<ProjectRow, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

/** The project and the user's role in it, null when there is no such project. */
export async function cachedProjectAccess(
  ctx: StoreDeps & CacheDeps,
  userId: string,
  projectId: string,
): Promise<{ project: ProjectRow; memberRole: ProjectRole | null } | null> {
  const project = await ctx.cache.fill<CachedProject>(projectKey(projectId), async () => {
    const [row] = await ctx.db.select().from(projects).where(eq(projects.id, projectId));
    return row
      ? { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() }
      : undefined;
  });
  if (!project) return null;
  const memberRole = await ctx.cache.fill<ProjectRole | null>(memberKey(projectId, userId), async () => {
    const [row] = await ctx.db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    return row?.role ?? null;
  });
  return {
    project: { ...project, createdAt: new Date(project.createdAt), updatedAt: new Date(project.updatedAt) },
    memberRole: memberRole ?? null,
  };
}
