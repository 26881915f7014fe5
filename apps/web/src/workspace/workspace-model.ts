import type { ProjectEventName, ProjectLeftEvent, RealtimeProjectEvent } from "@codepark/protocol";
import type { FileInfo } from "../api/types.ts";

/**
 * What a project event means for the open workspace, decided without React: the page carries the
 * effect out (update the file list, reload the project, say the project is gone).
 */
export type WorkspaceEffect =
  | { kind: "file-changed"; file: FileInfo }
  | { kind: "file-removed"; fileId: string; notice: string | null }
  | { kind: "reload-project" }
  | { kind: "gone"; message: string }
  | { kind: "none" };

export const PROJECT_DELETED = "This project was deleted.";
export const ACCESS_LOST = "You no longer have access to this project.";

export function workspaceEffect<K extends ProjectEventName>(
  name: K,
  event: RealtimeProjectEvent<K>,
  selfId: string,
): WorkspaceEffect {
  const data = event as RealtimeProjectEvent<ProjectEventName>;
  if (name === "file.created" || name === "file.updated" || name === "file.renamed") {
    // Events carry no creation time; the list only shows the update time.
    if ("file" in data)
      return { kind: "file-changed", file: { ...data.file, createdAt: data.file.updatedAt } };
  } else if (name === "file.deleted" && "fileId" in data) {
    const byOther = event.actorId !== selfId && "path" in data;
    return {
      kind: "file-removed",
      fileId: data.fileId,
      notice: byOther ? `${data.path} was deleted by another member.` : null,
    };
  } else if (name === "project.updated") {
    return { kind: "reload-project" };
  } else if (name === "project.deleted") {
    return { kind: "gone", message: PROJECT_DELETED };
  } else if ((name === "member.role_changed" || name === "member.added") && "userId" in data) {
    // One's own role decides what the page allows.
    if (data.userId === selfId) return { kind: "reload-project" };
  }
  return { kind: "none" };
}

/** Why the server took this client out of the project, in words. */
export function leftMessage(event: Pick<ProjectLeftEvent, "reason">): string {
  return event.reason === "project_deleted" ? PROJECT_DELETED : ACCESS_LOST;
}

/** Owners and editors change files, and instance admins anywhere; everyone else reads. */
export function canEditFiles(projectRole: string | null | undefined, userRole: string | undefined): boolean {
  return projectRole === "owner" || projectRole === "editor" || userRole === "admin";
}

/** Members post in the project channel, and instance admins. */
export function canPostInChannel(
  projectRole: string | null | undefined,
  userRole: string | undefined,
): boolean {
  return Boolean(projectRole) || userRole === "admin";
}

/** An unread count for a badge: at most "99+". */
export function badgeCount(count: number): string {
  return count > 99 ? "99+" : String(count);
}
