import { eq } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { files } from "../files/schema.ts";
import { can } from "../policy.ts";
import { readProjectFor } from "../projects/access.ts";
import { cachedUser } from "../users/user-cache.ts";

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
  ctx: StoreDeps & CacheDeps,
  actor: Actor,
  fileId: string,
): Promise<DocumentAccess> {
  const [file] = await ctx.db.select({ projectId: files.projectId }).from(files).where(eq(files.id, fileId));
  if (!file) throw new AppError("not_found", "File not found");
  const { project, memberRole } = await readProjectFor(ctx, actor, file.projectId, "files:read");
  const user = await cachedUser(ctx, actor.userId);
  return {
    projectId: file.projectId,
    readOnly: !can(actor, "files:write", { visibility: project.visibility, memberRole }),
    userName: user?.name ?? "",
  };
}
