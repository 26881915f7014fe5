import type { ProjectSummary } from "@codepark/protocol";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import { preparedPerDatabase } from "../prepared.ts";
import { type LoadedProject, loadProjectFor, readProjectFor } from "./access.ts";
import { deletedProjectKeys, projectKeys } from "./access-cache.ts";
import { projectMembers, projects } from "./schema.ts";

export interface ProjectView {
  id: string;
  name: string;
  description: string;
  visibility: "private" | "public";
  /** The caller's role in the project, null when not a member (public project or admin). */
  role: "owner" | "editor" | "viewer" | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectInput {
  name: string;
  description?: string | undefined;
  visibility?: "private" | "public" | undefined;
}

function present({ project, memberRole }: LoadedProject): ProjectView {
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    visibility: project.visibility,
    role: memberRole,
    createdAt: project.createdAt.toISOString(),
    updatedAt: project.updatedAt.toISOString(),
  };
}

/** A project as events carry it: no caller-specific role. */
function summariseProject({ role: _role, ...project }: ProjectView): ProjectSummary {
  return project;
}

export async function createProject(ctx: EventDeps, actor: Actor, input: ProjectInput): Promise<ProjectView> {
  authorizeAccount(actor, "projects:create");
  const now = ctx.clock.now();
  return transact(ctx, async (tx, emit) => {
    const [project] = await tx
      .insert(projects)
      .values({
        id: newId("prj", now.getTime()),
        name: input.name.trim(),
        description: input.description ?? "",
        visibility: input.visibility ?? "private",
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await tx
      .insert(projectMembers)
      .values({ projectId: project!.id, userId: actor.userId, role: "owner", createdAt: now });
    const view = present({ project: project!, memberRole: "owner" });
    emit({
      type: "project.created",
      actorId: actor.userId,
      data: { projectId: view.id, project: summariseProject(view) },
    });
    return view;
  });
}

/**
 * The caller's memberships, a page at a time by project id: `after` is the cursor, or "" for the
 * first page (every id sorts after the empty string).
 */
const listStatement = preparedPerDatabase((db) =>
  db
    .select({ project: projects, memberRole: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(
      and(eq(projectMembers.userId, sql.placeholder("userId")), gt(projects.id, sql.placeholder("after"))),
    )
    .orderBy(asc(projects.id))
    .limit(sql.placeholder("limit"))
    .prepare("projects_list"),
);

/** Projects the caller is a member of, oldest first (ids sort by creation time). */
export async function listProjects(
  ctx: EventDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page<ProjectView>> {
  authorizeAccount(actor, "projects:list");
  const rows = await listStatement(ctx.db).execute({
    userId: actor.userId,
    after: page.cursor ?? "",
    limit: page.limit + 1,
  });
  return toPage(rows, page.limit, present, (row) => row.project.id);
}

export async function getProject(ctx: EventDeps, actor: Actor, projectId: string): Promise<ProjectView> {
  return present(await readProjectFor(ctx, actor, projectId, "project:read"));
}

export async function updateProject(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  patch: Partial<ProjectInput>,
): Promise<ProjectView> {
  return transact(ctx, async (tx, emit, stale) => {
    const loaded = await loadProjectFor(tx, actor, projectId, "project:update");
    const changedFields = (["name", "description", "visibility"] as const).filter(
      (field) => patch[field] !== undefined && patch[field] !== loaded.project[field],
    );
    const [project] = await tx
      .update(projects)
      .set({
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(projects.id, projectId))
      .returning();
    stale(projectKeys(projectId));
    const view = present({ project: project!, memberRole: loaded.memberRole });
    if (changedFields.length > 0) {
      emit({
        type: "project.updated",
        actorId: actor.userId,
        data: { projectId, changedFields, project: summariseProject(view) },
      });
    }
    return view;
  });
}

export async function deleteProject(ctx: EventDeps, actor: Actor, projectId: string): Promise<void> {
  await transact(ctx, async (tx, emit, stale) => {
    await loadProjectFor(tx, actor, projectId, "project:delete");
    const members = await tx
      .select({ userId: projectMembers.userId })
      .from(projectMembers)
      .where(eq(projectMembers.projectId, projectId));
    await tx.delete(projects).where(eq(projects.id, projectId));
    const memberIds = members.map((member) => member.userId);
    stale(deletedProjectKeys(projectId, memberIds));
    // Once deleted nobody can read it, so who may hear of the deletion is recorded now.
    emit(
      { type: "project.deleted", actorId: actor.userId, data: { projectId } },
      { audience: members.map((member) => member.userId) },
    );
  });
}
