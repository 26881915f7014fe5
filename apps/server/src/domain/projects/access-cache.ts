import type { ProjectRole } from "@codepark/protocol";
import { and, eq, inArray } from "drizzle-orm";
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

/**
 * Fills many keys of one family with one query for all their misses: each miss's load waits until
 * every key has either hit or missed (so the race guard registers each miss before the query runs,
 * as a single fill does), then one `loadMany` reads what missed.
 */
async function fillMany<K, V>(
  ctx: CacheDeps,
  listed: readonly K[],
  keyOf: (item: K) => string,
  loadMany: (missed: K[]) => Promise<Map<K, V>>,
): Promise<Map<K, V | undefined>> {
  // Each key once: a second fill of a key could wait on the first, which waits for every key.
  const items = [...new Set(listed)];
  const missed: K[] = [];
  let settled = 0;
  let startBatch: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    startBatch = resolve;
  });
  const settle = () => {
    settled += 1;
    if (settled === items.length) startBatch();
  };
  let batch: Promise<Map<K, V>> | undefined;
  const values = await Promise.all(
    items.map(async (item) => {
      let missedHere = false;
      const value = await ctx.cache.fill<V>(keyOf(item), async () => {
        missedHere = true;
        missed.push(item);
        settle();
        await started;
        batch ??= loadMany(missed);
        return (await batch).get(item);
      });
      if (!missedHere) settle();
      return value;
    }),
  );
  return new Map(items.map((item, index) => [item, values[index]]));
}

/** cachedProjectAccess for many projects: hits cost no query, the misses one query per family. */
export async function cachedProjectsAccess(
  ctx: StoreDeps & CacheDeps,
  userId: string,
  projectIds: readonly string[],
): Promise<Map<string, { project: ProjectRow; memberRole: ProjectRole | null }>> {
  const cachedProjects = await fillMany<string, CachedProject>(
    ctx,
    projectIds,
    projectKey,
    async (missed) => {
      const rows = await ctx.db.select().from(projects).where(inArray(projects.id, missed));
      return new Map(
        rows.map((row) => [
          row.id,
          { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() },
        ]),
      );
    },
  );
  const found = projectIds.filter((projectId) => cachedProjects.get(projectId) !== undefined);
  const roles = await fillMany<string, ProjectRole | null>(
    ctx,
    found,
    (projectId) => memberKey(projectId, userId),
    async (missed) => {
      const rows = await ctx.db
        .select({ projectId: projectMembers.projectId, role: projectMembers.role })
        .from(projectMembers)
        .where(and(inArray(projectMembers.projectId, missed), eq(projectMembers.userId, userId)));
      const byProject = new Map<string, ProjectRole | null>(missed.map((projectId) => [projectId, null]));
      for (const row of rows) byProject.set(row.projectId, row.role);
      return byProject;
    },
  );
  const result = new Map<string, { project: ProjectRow; memberRole: ProjectRole | null }>();
  for (const projectId of found) {
    const project = cachedProjects.get(projectId)!;
    result.set(projectId, {
      project: { ...project, createdAt: new Date(project.createdAt), updatedAt: new Date(project.updatedAt) },
      memberRole: roles.get(projectId) ?? null,
    });
  }
  return result;
}
