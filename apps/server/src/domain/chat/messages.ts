import { and, asc, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { Actor } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import type { Executor, Tx } from "../ports/database.ts";
import { type ConversationRow, loadConversationFor, readConversationFor } from "./access.ts";
import { lastReadSeqOf, participantsOf, readStateOf } from "./conversations.ts";
import { resolveMentions } from "./mentions.ts";
import {
  type MessageRow,
  type MessageView,
  presentMessage,
  type ReactionView,
  summariseMessage,
} from "./present.ts";
import { conversationMembers, conversationReads, messageReactions, messages } from "./schema.ts";
import { checkBody } from "./send.ts";

/** Who may hear of a direct conversation's events (webhooks of its participants only). */
async function audienceOf(tx: Executor, conversation: ConversationRow): Promise<string[] | undefined> {
  if (conversation.kind !== "direct") return undefined;
  const rows = await tx
    .select({ userId: conversationMembers.userId })
    .from(conversationMembers)
    .where(eq(conversationMembers.conversationId, conversation.id));
  return rows.map((row) => row.userId);
}

/** Newest first, paged by seq (`cursor` = the last seq seen), stable however many arrive meanwhile. */
export async function listMessages(
  ctx: EventDeps,
  actor: Actor,
  conversationId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: MessageView[]; nextCursor: string | null }> {
  await readConversationFor(ctx, actor, conversationId, "read");
  const before = page.cursor === undefined ? undefined : Number(page.cursor);
  if (before !== undefined && !Number.isSafeInteger(before)) throw new AppError("bad_request", "Bad cursor");
  const rows = await ctx.db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, conversationId),
        before !== undefined ? lt(messages.seq, before) : undefined,
      ),
    )
    .orderBy(desc(messages.seq))
    .limit(page.limit + 1);
  const items = await withReactions(ctx.db, rows.slice(0, page.limit));
  return { items, nextCursor: rows.length > page.limit ? String(items.at(-1)!.seq) : null };
}

/** What a reconnecting client missed: messages after `afterSeq`, oldest first. */
export async function messagesAfter(
  ctx: EventDeps,
  actor: Actor,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<{ items: MessageView[]; hasMore: boolean }> {
  await readConversationFor(ctx, actor, conversationId, "read");
  const rows = await ctx.db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, afterSeq)))
    .orderBy(asc(messages.seq))
    .limit(limit + 1);
  return { items: await withReactions(ctx.db, rows.slice(0, limit)), hasMore: rows.length > limit };
}

async function loadOwnMessage(tx: Tx, actor: Actor, messageId: string) {
  const [row] = await tx.select().from(messages).where(eq(messages.id, messageId));
  if (!row) throw new AppError("not_found", "Message not found");
  const { conversation } = await loadConversationFor(tx, actor, row.conversationId, "read");
  if (row.authorId !== actor.userId) throw new AppError("forbidden", "Only its author can change a message");
  if (row.deletedAt) throw new AppError("not_found", "Message not found");
  return { row, conversation };
}

export async function editMessage(
  ctx: EventDeps,
  actor: Actor,
  messageId: string,
  input: { body: string },
): Promise<MessageView> {
  const body = checkBody(input.body);
  return transact(ctx, async (tx, emit) => {
    const { row, conversation } = await loadOwnMessage(tx, actor, messageId);
    const mentions = (
      body.includes("@") ? resolveMentions(body, await participantsOf(tx, conversation)) : []
    ).filter((userId) => userId !== actor.userId);
    const [updated] = await tx
      .update(messages)
      .set({ body, mentions, editedAt: ctx.clock.now() })
      .where(eq(messages.id, row.id))
      .returning();
    emit(
      {
        type: "message.updated",
        actorId: actor.userId,
        data: {
          conversationId: row.conversationId,
          projectId: conversation.projectId,
          message: { ...summariseMessage(updated!), editedAt: updated!.editedAt!.toISOString() },
        },
      },
      { audience: await audienceOf(tx, conversation) },
    );
    return (await withReactions(tx, [updated!]))[0]!;
  });
}

/** Deletes the text; the message keeps its place so nobody's history shifts. */
export async function deleteMessage(ctx: EventDeps, actor: Actor, messageId: string): Promise<void> {
  await transact(ctx, async (tx, emit) => {
    const { row, conversation } = await loadOwnMessage(tx, actor, messageId);
    await tx.update(messages).set({ deletedAt: ctx.clock.now() }).where(eq(messages.id, row.id));
    await tx.delete(messageReactions).where(eq(messageReactions.messageId, row.id));
    emit(
      {
        type: "message.deleted",
        actorId: actor.userId,
        data: {
          conversationId: row.conversationId,
          projectId: conversation.projectId,
          messageId,
          seq: row.seq,
        },
      },
      { audience: await audienceOf(tx, conversation) },
    );
  });
}

export async function react(
  ctx: EventDeps,
  actor: Actor,
  messageId: string,
  emoji: string,
  on: boolean,
): Promise<MessageView> {
  return transact(ctx, async (tx, emit) => {
    const [row] = await tx.select().from(messages).where(eq(messages.id, messageId));
    if (!row || row.deletedAt) throw new AppError("not_found", "Message not found");
    const { conversation } = await loadConversationFor(tx, actor, row.conversationId, "post");
    const changed = on
      ? await tx
          .insert(messageReactions)
          .values({ messageId, userId: actor.userId, emoji, createdAt: ctx.clock.now() })
          .onConflictDoNothing()
          .returning({ emoji: messageReactions.emoji })
      : await tx
          .delete(messageReactions)
          .where(
            and(
              eq(messageReactions.messageId, messageId),
              eq(messageReactions.userId, actor.userId),
              eq(messageReactions.emoji, emoji),
            ),
          )
          .returning({ emoji: messageReactions.emoji });
    if (changed.length > 0) {
      emit(
        {
          type: "message.reaction",
          actorId: actor.userId,
          data: {
            conversationId: row.conversationId,
            projectId: conversation.projectId,
            messageId,
            userId: actor.userId,
            emoji,
            on,
          },
        },
        { audience: await audienceOf(tx, conversation) },
      );
    }
    return (await withReactions(tx, [row]))[0]!;
  });
}

/** Moves the caller's read pointer forward (never back) and answers their unread count. */
export async function markRead(
  ctx: EventDeps,
  actor: Actor,
  conversationId: string,
  seq: number,
): Promise<{ lastReadSeq: number; unread: number }> {
  return transact(ctx, async (tx, emit) => {
    const { conversation } = await loadConversationFor(tx, actor, conversationId, "read");
    const upTo = Math.min(seq, conversation.lastSeq);
    const previous = await lastReadSeqOf(tx, conversationId, actor.userId);
    // Re-reading what is already read changes nothing: no write, no receipt.
    const lastReadSeq =
      upTo > previous ? await markReadIn(tx, ctx, conversationId, actor.userId, upTo) : previous;
    if (lastReadSeq > previous) {
      emit(
        {
          type: "conversation.read",
          actorId: actor.userId,
          data: { conversationId, projectId: conversation.projectId, userId: actor.userId, lastReadSeq },
        },
        { audience: await audienceOf(tx, conversation) },
      );
    }
    return { lastReadSeq, unread: (await readStateOf(tx, conversationId, actor.userId)).unread };
  });
}

async function markReadIn(
  tx: Executor,
  ctx: Pick<EventDeps, "clock">,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<number> {
  const [row] = await tx
    .insert(conversationReads)
    .values({ conversationId, userId, lastReadSeq: seq, updatedAt: ctx.clock.now() })
    .onConflictDoUpdate({
      target: [conversationReads.conversationId, conversationReads.userId],
      set: {
        lastReadSeq: sql`greatest(${conversationReads.lastReadSeq}, excluded.last_read_seq)`,
        updatedAt: ctx.clock.now(),
      },
    })
    .returning({ lastReadSeq: conversationReads.lastReadSeq });
  return row!.lastReadSeq;
}

async function withReactions(db: Executor, rows: MessageRow[]): Promise<MessageView[]> {
  if (rows.length === 0) return [];
  const reactions = await db
    .select({
      messageId: messageReactions.messageId,
      emoji: messageReactions.emoji,
      userId: messageReactions.userId,
    })
    .from(messageReactions)
    .where(
      inArray(
        messageReactions.messageId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(messageReactions.createdAt);
  return rows.map((row) => {
    const grouped = new Map<string, string[]>();
    for (const reaction of reactions) {
      if (reaction.messageId !== row.id) continue;
      grouped.set(reaction.emoji, [...(grouped.get(reaction.emoji) ?? []), reaction.userId]);
    }
    const list: ReactionView[] = [...grouped].map(([emoji, userIds]) => ({ emoji, userIds }));
    return presentMessage(row, list);
  });
}
