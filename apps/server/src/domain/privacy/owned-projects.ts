import type { ProjectRole } from "@codepark/protocol";
import type { OwnedProjectsChoice } from "@codepark/protocol/api";
import { and, asc, eq, inArray } from "drizzle-orm";
import { AppError } from "../errors.ts";
import type { Tx } from "../ports/database.ts";
import { projectMembers, projects } from "../projects/schema.ts";

/** What the departing person chose for the projects they alone own. */
export interface OwnedProjects {
  ownedProjects: OwnedProjectsChoice;
  /** Project id → the member who becomes its owner (always a transfer). */
  transferTo?: Record<string, string> | undefined;
}

export interface Transfer {
  projectId: string;
  toUserId: string;
  previousRole: ProjectRole;
}

export interface Deletion {
  projectId: string;
  /** Everyone else who was a member: they hear of the deletion. */
  otherMemberIds: string[];
}

export interface OwnedProjectsPlan {
  transfers: Transfer[];
  deletions: Deletion[];
}

/** Editors before viewers; within a role, whoever has been a member longest. */
const RANK: Record<ProjectRole, number> = { owner: 0, editor: 1, viewer: 2 };

/**
 * Decides, for every project the person owns with no other owner, who takes it over or whether it is
 * deleted. A project with another owner needs nothing: the person's membership simply goes. The
 * memberships are locked (FOR UPDATE) so the plan holds until the deletion commits. Refuses the
 * whole deletion (nothing changes) when a transfer is impossible: `no_transfer_candidate` for a
 * project with no other member, `transfer_target_invalid` for a named owner who is not a member of
 * that project or a named project the person does not alone own.
 */
export async function planOwnedProjects(
  tx: Tx,
  userId: string,
  choice: OwnedProjects,
): Promise<OwnedProjectsPlan> {
  const owned = await tx
    .select({ projectId: projectMembers.projectId, name: projects.name })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.userId, userId), eq(projectMembers.role, "owner")))
    .orderBy(asc(projectMembers.projectId));
  const members =
    owned.length === 0
      ? []
      : await tx
          .select({
            projectId: projectMembers.projectId,
            userId: projectMembers.userId,
            role: projectMembers.role,
            joinedAt: projectMembers.createdAt,
          })
          .from(projectMembers)
          .where(
            inArray(
              projectMembers.projectId,
              owned.map((project) => project.projectId),
            ),
          )
          .orderBy(asc(projectMembers.createdAt), asc(projectMembers.userId))
          .for("update");

  const plan: OwnedProjectsPlan = { transfers: [], deletions: [] };
  const soleOwned = new Set<string>();
  for (const { projectId, name } of owned) {
    const others = members.filter((member) => member.projectId === projectId && member.userId !== userId);
    if (others.some((member) => member.role === "owner")) continue;
    soleOwned.add(projectId);
    const named = choice.transferTo?.[projectId];
    if (named !== undefined) {
      const target = others.find((member) => member.userId === named);
      if (!target) {
        throw new AppError(
          "transfer_target_invalid",
          `${named} is not another member of project "${name}" (${projectId})`,
        );
      }
      plan.transfers.push({ projectId, toUserId: target.userId, previousRole: target.role });
    } else if (choice.ownedProjects === "delete") {
      plan.deletions.push({ projectId, otherMemberIds: others.map((member) => member.userId) });
    } else {
      const [candidate] = [...others].sort((a, b) => RANK[a.role] - RANK[b.role]);
      if (!candidate) {
        throw new AppError(
          "no_transfer_candidate",
          `Project "${name}" (${projectId}) has no other member to take it over: add one, name a new owner, or choose to delete it`,
        );
      }
      plan.transfers.push({ projectId, toUserId: candidate.userId, previousRole: candidate.role });
    }
  }
  for (const projectId of Object.keys(choice.transferTo ?? {})) {
    if (!soleOwned.has(projectId)) {
      throw new AppError(
        "transfer_target_invalid",
        `Project ${projectId} is not one you alone own: only those are transferred`,
      );
    }
  }
  return plan;
}
