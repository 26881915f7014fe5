import { eq } from "drizzle-orm";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import type { Executor } from "../ports/database.ts";
import { conversationMembers, conversations } from "./schema.ts";

/** What never changes about a conversation once it exists. */
export interface ConversationFacts {
  id: string;
  kind: "project" | "direct";
  /** A project's channel: the project. */
  projectId: string | null;
  /** A direct conversation: its two participants. */
  participants: string[] | null;
}

/**
 * Cache family `conversation:<id>`: a conversation's kind, project and participants, fixed at its
 * creation, so no command invalidates it. It can only go stale by disappearing with its project (whose
 * access check then fails) or by a participant's account being deleted (who then cannot act); the
 * sending statement re-checks access in the store anyway (chat/send.ts). A conversation that does not
 * exist is not cached.
 */
const conversationKey = (conversationId: string) => `conversation:${conversationId}`;

export function conversationFacts(
  ctx: StoreDeps & CacheDeps,
  conversationId: string,
): Promise<ConversationFacts | undefined> {
  return ctx.cache.fill(conversationKey(conversationId), () =>
    selectConversationFacts(ctx.db, conversationId),
  );
}

/** The same from the store. */
export async function selectConversationFacts(
  db: Executor,
  conversationId: string,
): Promise<ConversationFacts | undefined> {
  const [row] = await db
    .select({ id: conversations.id, kind: conversations.kind, projectId: conversations.projectId })
    .from(conversations)
    .where(eq(conversations.id, conversationId));
  if (!row) return undefined;
  if (row.kind === "project") return { ...row, participants: null };
  const members = await db
    .select({ userId: conversationMembers.userId })
    .from(conversationMembers)
    .where(eq(conversationMembers.conversationId, conversationId));
  return { ...row, participants: members.map((member) => member.userId) };
}
