import type { DomainEventPayloads } from "@codepark/protocol";
import { MAX_MESSAGE_LENGTH } from "@codepark/protocol/api";
import { type Actor, hasScope } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { eventRow, logEventSql } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { authorizeProject } from "../policy.ts";
import type { Statements } from "../ports/database.ts";
import { readProjectAccess, selectProjectAccess } from "../projects/access.ts";
import { type ConversationFacts, conversationFacts, selectConversationFacts } from "./conversation-cache.ts";
import { participantsOf } from "./conversations.ts";
import { resolveMentions } from "./mentions.ts";
import { type MessageRow, type MessageView, presentMessage, summariseMessage } from "./present.ts";

/** What posting a message takes: events, the cache, and a prepared statement. */
export interface ChatDeps extends EventDeps {
  statements: Statements;
}

export function checkBody(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) throw new AppError("validation_failed", "A message needs some text");
  if (trimmed.length > MAX_MESSAGE_LENGTH) {
    throw new AppError("validation_failed", `A message holds at most ${MAX_MESSAGE_LENGTH} characters`);
  }
  return trimmed;
}

/**
 * One statement posts a message: bumps the conversation's seq (under its row lock, so seqs follow
 * commit order, 1, 2, 3… with no gaps), inserts the message, moves the sender's read pointer to it,
 * and logs message.created with its outbox entry. The access the policy decided on (from the cache)
 * is part of the statement's WHERE: if the store no longer holds those facts, nothing is written.
 *
 * $1 conversation, $2 message id, $3 author, $4 body, $5 mentions, $6 now, $7 event id, $8 event
 * data (its message.seq filled in here), $9 audience, $10 project (null for a direct conversation).
 */
const sendSql = (guard: string) => `
  WITH bumped AS (
    UPDATE conversations SET last_seq = last_seq + 1
    WHERE id = $1 AND project_id IS NOT DISTINCT FROM $10 AND ${guard}
    RETURNING last_seq AS seq),
  message AS (
    INSERT INTO messages (id, conversation_id, seq, author_id, body, mentions, created_at)
    SELECT $2, $1, seq, $3, $4, $5, $6 FROM bumped
    RETURNING seq),
  sender_read AS (
    INSERT INTO conversation_reads (conversation_id, user_id, last_read_seq, updated_at)
    SELECT $1, $3, seq, $6 FROM message
    ON CONFLICT (conversation_id, user_id) DO UPDATE
    SET last_read_seq = greatest(conversation_reads.last_read_seq, excluded.last_read_seq),
      updated_at = excluded.updated_at),
  ${logEventSql(
    {
      id: "$7",
      type: "'message.created'",
      actorId: "$3",
      projectId: "$10",
      data: "jsonb_set($8::jsonb, '{message,seq}', to_jsonb(message.seq))",
      audience: "$9::jsonb",
      occurredAt: "$6",
    },
    "message",
  )}
  SELECT seq FROM message`;

/** A project's channel: the project's visibility ($11) and the sender's role in it ($12) as the policy saw them. */
const SEND_TO_CHANNEL_SQL = sendSql(`
    EXISTS (SELECT 1 FROM projects WHERE id = $10 AND visibility = $11)
    AND (SELECT role FROM project_members WHERE project_id = $10 AND user_id = $3) IS NOT DISTINCT FROM $12`);

/** A direct conversation: the sender takes part in it. */
const SEND_DIRECT_SQL = sendSql(`
    EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $3)`);

/** Reads of access that may be stale get this many chances to agree with the store. */
const ATTEMPTS = 3;

/**
 * Posts a message; the sender has read it. Access is decided by the policy on cached facts, and the
 * one write statement checks those facts still hold: a stale cache costs a second try with facts
 * from the store, never a message the policy would refuse.
 */
export async function sendMessage(
  ctx: ChatDeps,
  actor: Actor,
  conversationId: string,
  input: { body: string },
): Promise<MessageView> {
  const body = checkBody(input.body);
  for (let attempt = 1; ; attempt++) {
    const fromStore = attempt > 1;
    const facts = fromStore
      ? await selectConversationFacts(ctx.db, conversationId)
      : await conversationFacts(ctx, conversationId);
    if (!facts) throw new AppError("not_found", "Conversation not found");
    const guard = facts.projectId
      ? await channelGuard(ctx, actor, facts.projectId, fromStore)
      : directGuard(actor, facts);
    const posted = await insertMessage(ctx, actor, facts, body, guard);
    if (posted) return posted;
    if (attempt === ATTEMPTS) throw new AppError("service_unavailable", "Access is changing; retry");
  }
}

interface Guard {
  sql: string;
  name: string;
  params: unknown[];
}

/** The project policy (404 to outsiders of a private project, 403 for a role or a scope). */
async function channelGuard(
  ctx: ChatDeps,
  actor: Actor,
  projectId: string,
  fromStore: boolean,
): Promise<Guard> {
  const loaded = fromStore
    ? await selectProjectAccess(ctx.db, actor.userId, projectId)
    : await readProjectAccess(ctx, actor.userId, projectId);
  if (!loaded) throw new AppError("not_found", "Conversation not found");
  const access = { visibility: loaded.project.visibility, memberRole: loaded.memberRole };
  authorizeProject(actor, "chat:post", access);
  return {
    sql: SEND_TO_CHANNEL_SQL,
    name: "chat_send_channel",
    params: [access.visibility, access.memberRole],
  };
}

/** A direct conversation exists only for its two participants (404 to everyone else, admins too). */
function directGuard(actor: Actor, facts: ConversationFacts): Guard {
  if (!facts.participants?.includes(actor.userId)) throw new AppError("not_found", "Conversation not found");
  if (!hasScope(actor, "projects:write"))
    throw new AppError("insufficient_scope", "This API key needs the projects:write scope");
  return { sql: SEND_DIRECT_SQL, name: "chat_send_direct", params: [] };
}

/** The statement; null when the guard refused (the facts it was given are stale). */
async function insertMessage(
  ctx: ChatDeps,
  actor: Actor,
  facts: ConversationFacts,
  body: string,
  guard: Guard,
): Promise<MessageView | null> {
  const mentions = (
    body.includes("@") ? resolveMentions(body, await participantsOf(ctx.db, facts)) : []
  ).filter((userId) => userId !== actor.userId);
  const now = ctx.clock.now();
  const row: MessageRow = {
    id: newId("chm", now.getTime()),
    conversationId: facts.id,
    seq: 0,
    authorId: actor.userId,
    body,
    mentions,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
  };
  const data = (seq: number): DomainEventPayloads["message.created"] => ({
    conversationId: facts.id,
    projectId: facts.projectId,
    message: summariseMessage({ ...row, seq }),
  });
  const event = eventRow(
    { type: "message.created", actorId: actor.userId, data: data(0) },
    facts.participants,
    now,
  );
  const [posted] = await ctx.statements.query<{ seq: number }>(
    guard.sql,
    [
      facts.id,
      row.id,
      actor.userId,
      body,
      JSON.stringify(mentions),
      now,
      event.id,
      JSON.stringify(event.data),
      event.audience && JSON.stringify(event.audience),
      facts.projectId,
      ...guard.params,
    ],
    guard.name,
  );
  if (!posted) return null;
  // Committed: live connections hear of it (its consumers through the outbox).
  ctx.events.publish({ type: "message.created", actorId: actor.userId, data: data(posted.seq) }, event.id);
  return presentMessage({ ...row, seq: posted.seq });
}
