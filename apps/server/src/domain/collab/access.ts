import { eq } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { files } from "../files/schema.ts";
import { can } from "../policy.ts";
import { loadProjectFor } from "../projects/access.ts";
import { users } from "../users/schema.ts";

export interface DocumentAccess {
  projectId: string;
  /** Viewers (and API keys without projects:write) edit nothing: the same policy as REST. */
  readOnly: boolean;
  /** Shown to the other editors next to this person's cursor. */
  userName: string;
}

/**
 * Who may open a file's live document, and how: 404 when the file is not readable by the actor
 * (existence is not leaked), read-only unless the policy allows writing files.
 */
export async function openDocumentAccess(
  ctx: StoreDeps,
  actor: Actor,
  fileId: string,
): Promise<DocumentAccess> {
  const [file] = await ctx.db.select({ projectId: files.projectId }).from(files).where(eq(files.id, fileId));
  if (!file) throw new AppError("not_found", "File not found");
  const { project, memberRole } = await loadProjectFor(ctx.db, actor, file.projectId, "files:read");
  const [user] = await ctx.db.select({ name: users.name }).from(users).where(eq(users.id, actor.userId));
  return {
    projectId: file.projectId,
    readOnly: !can(actor, "files:write", { visibility: project.visibility, memberRole }),
    userName: user?.name ?? "",
  };
}
