import { and, eq } from "drizzle-orm";
import { type Actor, hasScope } from "../actor.ts";
import { AppError } from "../errors.ts";
import { authorizeProject, can } from "../policy.ts";
import type { Executor } from "../ports/database.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { conversationMembers, conversations } from "./schema.ts";

export type ConversationRow = typeof conversations.$inferSelect;

export interface LoadedConversation {
  conversation: ConversationRow;
  /** Whether the actor may post (and react, mark read): members of the project, participants. */
  canPost: boolean;
}

/**
 * Who may see a conversation: a project channel follows the project's read policy (public projects
 * are readable by anyone signed in), posting needs membership; a direct conversation exists only
 * for its two participants (404 to everyone else, admins included: it is private correspondence).
 */
export async function loadConversationFor(
  db: Executor,
  actor: Actor,
  conversationId: string,
  need: "read" | "post",
): Promise<LoadedConversation> {
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
  if (!conversation) throw new AppError("not_found", "Conversation not found");
  if (conversation.kind === "direct") return directAccess(db, actor, conversation, need);
  const [row] = await db
    .select({ visibility: projects.visibility, role: projectMembers.role })
    .from(projects)
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, actor.userId)),
    )
    .where(eq(projects.id, conversation.projectId!));
  if (!row) throw new AppError("not_found", "Conversation not found");
  const access = { visibility: row.visibility, memberRole: row.role };
  // The project policy answers (404 to outsiders of a private project, 403 for a role or a scope).
  authorizeProject(actor, need === "post" ? "chat:post" : "chat:read", access);
  return { conversation, canPost: can(actor, "chat:post", access) };
}

async function directAccess(
  db: Executor,
  actor: Actor,
  conversation: ConversationRow,
  need: "read" | "post",
): Promise<LoadedConversation> {
  const [member] = await db
    .select({ userId: conversationMembers.userId })
    .from(conversationMembers)
    .where(
      and(
        eq(conversationMembers.conversationId, conversation.id),
        eq(conversationMembers.userId, actor.userId),
      ),
    );
  if (!member) throw new AppError("not_found", "Conversation not found");
  const scope = need === "post" ? "projects:write" : "projects:read";
  if (!hasScope(actor, scope))
    throw new AppError("insufficient_scope", `This API key needs the ${scope} scope`);
  return { conversation, canPost: hasScope(actor, "projects:write") };
}
