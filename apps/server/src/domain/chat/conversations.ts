import { aliasedTable, and, eq, or, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { Executor } from "../ports/database.ts";
import { readProjectFor } from "../projects/access.ts";
import { projectMembers } from "../projects/schema.ts";
import { users } from "../users/schema.ts";
import { type ConversationRow, readConversationFor } from "./access.ts";
import { conversationMembers, conversationReads, conversations, messages } from "./schema.ts";

export interface ConversationView {
  id: string;
  kind: "project" | "direct";
  projectId: string | null;
  /** In a direct conversation: the other person. */
  participants: { id: string; name: string }[];
  lastSeq: number;
  lastReadSeq: number;
  /** Messages after lastReadSeq by others, not deleted. */
  unread: number;
  createdAt: string;
}

/** The project's channel, created the first time anyone asks for it. */
export async function projectChannel(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
): Promise<ConversationView> {
  return viewOf(ctx.db, actor.userId, await projectChannelRow(ctx, actor, projectId));
}

/** Just the channel's row (posting and listing need no unread count). */
export async function projectChannelRow(
  ctx: EventDeps,
  actor: Actor,
  projectId: string,
  need: "chat:read" | "chat:post" = "chat:read",
): Promise<ConversationRow> {
  await readProjectFor(ctx, actor, projectId, need);
  const [existing] = await ctx.db.select().from(conversations).where(eq(conversations.projectId, projectId));
  if (existing) return existing;
  const now = ctx.clock.now();
  await ctx.db
    .insert(conversations)
    .values({ id: newId("cnv", now.getTime()), kind: "project", projectId, createdAt: now })
    .onConflictDoNothing();
  const [row] = await ctx.db.select().from(conversations).where(eq(conversations.projectId, projectId));
  return row!;
}

/** A direct conversation with someone the caller shares a project with (the same one on every call). */
export async function openDirect(
  ctx: EventDeps,
  actor: Actor,
  otherUserId: string,
): Promise<{ conversation: ConversationView; created: boolean }> {
  if (otherUserId === actor.userId) throw new AppError("bad_request", "A conversation needs someone else");
  const mine = aliasedTable(projectMembers, "mine");
  const theirs = aliasedTable(projectMembers, "theirs");
  const [shared] = await ctx.db
    .select({ projectId: mine.projectId })
    .from(mine)
    .innerJoin(theirs, eq(theirs.projectId, mine.projectId))
    .where(and(eq(mine.userId, actor.userId), eq(theirs.userId, otherUserId)))
    .limit(1);
  if (!shared) throw new AppError("user_not_found", "You can message people you share a project with");
  const directKey = [actor.userId, otherUserId].sort().join(":");
  const now = ctx.clock.now();
  const created = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(conversations)
      .values({ id: newId("cnv", now.getTime()), kind: "direct", directKey, createdAt: now })
      .onConflictDoNothing()
      .returning({ id: conversations.id });
    if (!inserted) return false;
    await tx.insert(conversationMembers).values([
      { conversationId: inserted.id, userId: actor.userId },
      { conversationId: inserted.id, userId: otherUserId },
    ]);
    return true;
  });
  const [row] = await ctx.db.select().from(conversations).where(eq(conversations.directKey, directKey));
  return { conversation: await viewOf(ctx.db, actor.userId, row!), created };
}

export async function getConversation(ctx: EventDeps, actor: Actor, conversationId: string) {
  const { conversation } = await readConversationFor(ctx, actor, conversationId, "read");
  return viewOf(ctx.db, actor.userId, conversation);
}

/** The caller's conversations: their direct ones and the channels of their projects (those in use). */
export async function listConversations(ctx: EventDeps, actor: Actor): Promise<ConversationView[]> {
  const rows = await ctx.db
    .select({ conversation: conversations })
    .from(conversations)
    .leftJoin(
      conversationMembers,
      and(
        eq(conversationMembers.conversationId, conversations.id),
        eq(conversationMembers.userId, actor.userId),
      ),
    )
    .leftJoin(
      projectMembers,
      and(eq(projectMembers.projectId, conversations.projectId), eq(projectMembers.userId, actor.userId)),
    )
    .where(or(eq(conversationMembers.userId, actor.userId), eq(projectMembers.userId, actor.userId)))
    .orderBy(conversations.id);
  return Promise.all(rows.map((row) => viewOf(ctx.db, actor.userId, row.conversation)));
}

/** Who takes part: the project's members, or the two participants. */
export async function participantsOf(
  db: Executor,
  conversation: Pick<ConversationRow, "id" | "kind" | "projectId">,
): Promise<{ id: string; name: string }[]> {
  if (conversation.kind === "project") {
    return db
      .select({ id: users.id, name: users.name })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(eq(projectMembers.projectId, conversation.projectId!));
  }
  return db
    .select({ id: users.id, name: users.name })
    .from(conversationMembers)
    .innerJoin(users, eq(users.id, conversationMembers.userId))
    .where(eq(conversationMembers.conversationId, conversation.id));
}

/** The two people of a direct conversation (they never change), for routing its live events. */
export async function directMemberIds(db: Executor, conversationId: string): Promise<string[]> {
  const rows = await db
    .select({ userId: conversationMembers.userId })
    .from(conversationMembers)
    .where(eq(conversationMembers.conversationId, conversationId));
  return rows.map((row) => row.userId);
}

export interface ReadState {
  lastSeq: number;
  lastReadSeq: number;
  /** Messages after lastReadSeq by others, not deleted. */
  unread: number;
}

/**
 * Where a person stands in a conversation, in one statement. Its seqs run 1…last_seq with no gaps
 * and a person's own messages never come after their read pointer (sending moves it), so the unread
 * count is the seqs after the pointer less the deleted messages among them: derived from the two
 * counters, with only deleted messages (few, in a partial index) counted, never the unread ones.
 */
export async function readStateOf(db: Executor, conversationId: string, userId: string): Promise<ReadState> {
  const lastReadSeq = sql`coalesce(${conversationReads.lastReadSeq}, 0)`;
  const [row] = await db
    .select({
      lastSeq: conversations.lastSeq,
      lastReadSeq: lastReadSeq.mapWith(Number),
      deleted: sql`(
        SELECT count(*) FROM ${messages}
        WHERE ${messages.conversationId} = ${conversations.id}
          AND ${messages.deletedAt} IS NOT NULL AND ${messages.seq} > ${lastReadSeq})`.mapWith(Number),
    })
    .from(conversations)
    .leftJoin(
      conversationReads,
      and(eq(conversationReads.conversationId, conversations.id), eq(conversationReads.userId, userId)),
    )
    .where(eq(conversations.id, conversationId));
  if (!row) return { lastSeq: 0, lastReadSeq: 0, unread: 0 };
  return {
    lastSeq: row.lastSeq,
    lastReadSeq: row.lastReadSeq,
    unread: Math.max(0, row.lastSeq - row.lastReadSeq - row.deleted),
  };
}

export async function lastReadSeqOf(db: Executor, conversationId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ seq: conversationReads.lastReadSeq })
    .from(conversationReads)
    .where(and(eq(conversationReads.conversationId, conversationId), eq(conversationReads.userId, userId)));
  return row?.seq ?? 0;
}

async function viewOf(db: Executor, userId: string, row: ConversationRow): Promise<ConversationView> {
  const { lastSeq, lastReadSeq, unread } = await readStateOf(db, row.id, userId);
  const participants =
    row.kind === "direct" ? (await participantsOf(db, row)).filter((person) => person.id !== userId) : [];
  return {
    id: row.id,
    kind: row.kind,
    projectId: row.projectId,
    participants,
    lastSeq,
    lastReadSeq,
    unread,
    createdAt: row.createdAt.toISOString(),
  };
}
