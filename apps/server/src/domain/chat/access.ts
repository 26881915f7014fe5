import type { ProjectRole } from "@codepark/protocol";
import { and, eq } from "drizzle-orm";
import { type Actor, hasScope } from "../actor.ts";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { authorizeProject, can } from "../policy.ts";
import type { Executor } from "../ports/database.ts";
import { type LoadedProject, readProjectAccess, selectProjectAccess } from "../projects/access.ts";
import { conversationMembers, conversations } from "./schema.ts";

export type ConversationRow = typeof conversations.$inferSelect;

export interface LoadedConversation {
  conversation: ConversationRow;
  /** Whether the actor may post (and react, mark read): members of the project, participants. */
  canPost: boolean;
}

type ProjectAccess = { visibility: "private" | "public"; memberRole: ProjectRole | null };

/**
 * Who may see a conversation: a project channel follows the project's read policy (public projects
 * are readable by anyone signed in), posting needs membership; a direct conversation exists only
 * for its two participants (404 to everyone else, admins included: it is private correspondence).
 * From the store, for commands inside their transaction.
 */
export function loadConversationFor(
  db: Executor,
  actor: Actor,
  conversationId: string,
  need: "read" | "post",
): Promise<LoadedConversation> {
  return conversationFor(db, actor, conversationId, need, async (projectId) =>
    accessOf(await selectProjectAccess(db, actor.userId, projectId)),
  );
}

/** The same for reads outside a transaction: the project access is read cache-aside. */
export function readConversationFor(
  ctx: StoreDeps & CacheDeps,
  actor: Actor,
  conversationId: string,
  need: "read" | "post",
): Promise<LoadedConversation> {
  return conversationFor(ctx.db, actor, conversationId, need, async (projectId) =>
    accessOf(await readProjectAccess(ctx, actor.userId, projectId)),
  );
}

const accessOf = (loaded: LoadedProject | null): ProjectAccess | null =>
  loaded && { visibility: loaded.project.visibility, memberRole: loaded.memberRole };

async function conversationFor(
  db: Executor,
  actor: Actor,
  conversationId: string,
  need: "read" | "post",
  projectAccess: (projectId: string) => Promise<ProjectAccess | null>,
): Promise<LoadedConversation> {
  const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
  if (!conversation) throw new AppError("not_found", "Conversation not found");
  if (conversation.kind === "direct") return directAccess(db, actor, conversation, need);
  const access = await projectAccess(conversation.projectId!);
  if (!access) throw new AppError("not_found", "Conversation not found");
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
