import type { ProjectRole } from "@codepark/protocol";
import { and, eq } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import { AppError } from "../errors.ts";
import { authorizeProject, type ProjectAction } from "../policy.ts";
import type { Executor } from "../ports/database.ts";
import { projectMembers, projects } from "./schema.ts";

export type ProjectRow = typeof projects.$inferSelect;

export interface LoadedProject {
  project: ProjectRow;
  memberRole: ProjectRole | null;
}

/** Loads a project with the actor's role in it and applies the policy for `action`. */
export async function loadProjectFor(
  db: Executor,
  actor: Actor,
  projectId: string,
  action: ProjectAction,
): Promise<LoadedProject> {
  const [row] = await db
    .select({ project: projects, memberRole: projectMembers.role })
    .from(projects)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, actor.userId)),
    )
    .where(eq(projects.id, projectId));
  if (!row) throw new AppError("not_found", "Project not found");
  authorizeProject(actor, action, { visibility: row.project.visibility, memberRole: row.memberRole });
  return { project: row.project, memberRole: row.memberRole };
}
