import type { ChatMessage } from "../api/types.ts";

/**
 * One conversation's state as a pure reducer: what the server sent (join answers, pages, live
 * events, action results) folded into a list of messages by seq, plus read and typing state. The
 * hook (use-conversation.ts) only turns socket events and REST answers into these actions.
 */

/** How long "… is typing" stays without another typing event. */
export const TYPING_TTL_MS = 3000;

export interface Typist {
  userId: string;
  name: string;
  until: number;
}

export interface ConversationState {
  /** Oldest first, one per id. */
  messages: ChatMessage[];
  loaded: boolean;
  error: unknown;
  olderBusy: boolean;
  olderError: unknown;
  typists: Typist[];
  /** The read pointer when the conversation was opened: messages after it get a "New" divider. */
  readWhenOpened: number | null;
  lastReadSeq: number;
}

export const initialConversation: ConversationState = {
  messages: [],
  loaded: false,
  error: null,
  olderBusy: false,
  olderError: null,
  typists: [],
  readWhenOpened: null,
  lastReadSeq: 0,
};

export type ConversationAction =
  /** The join's answer: what was missed since the last seq held, and the server's read pointer. */
  | { type: "joined"; missed: ChatMessage[]; lastReadSeq: number }
  | { type: "join-failed"; error: unknown }
  /** Too much was missed to catch up: drop the list and join afresh. */
  | { type: "restart" }
  /** The newest page over REST (no live connection yet). */
  | { type: "page-loaded"; messages: ChatMessage[] }
  | { type: "page-failed"; error: unknown }
  /** Messages as the server answered an action of ours (send, edit, react). */
  | { type: "received"; messages: ChatMessage[] }
  /** A new message event: its author has stopped typing. */
  | { type: "message"; message: ChatMessage }
  /** An edit event (it carries no reactions). */
  | { type: "updated"; message: ChatMessage }
  | { type: "deleted"; messageId: string; at: string }
  | { type: "reaction"; messageId: string; userId: string; emoji: string; on: boolean }
  | { type: "typing"; userId: string; name: string; until: number }
  | { type: "typing-expired"; now: number }
  | { type: "read"; lastReadSeq: number }
  | { type: "older-loading" }
  | { type: "older-loaded"; messages: ChatMessage[] }
  | { type: "older-failed"; error: unknown };

export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case "joined":
      return {
        ...state,
        messages: mergeMessages(state.messages, action.missed),
        error: null,
        loaded: true,
        lastReadSeq: Math.max(state.lastReadSeq, action.lastReadSeq),
        readWhenOpened: state.readWhenOpened ?? action.lastReadSeq,
      };
    case "join-failed":
      return { ...state, error: action.error, loaded: true };
    case "restart":
      return { ...state, messages: [] };
    case "page-loaded":
      return { ...state, messages: mergeMessages(state.messages, action.messages), loaded: true };
    case "page-failed":
      // Messages already shown (from a join) outrank a failed fallback fetch.
      return { ...state, error: state.messages.length === 0 ? action.error : state.error, loaded: true };
    case "received":
      return { ...state, messages: mergeMessages(state.messages, action.messages) };
    case "message":
      return {
        ...state,
        messages: mergeMessages(state.messages, [action.message]),
        typists: state.typists.filter((typist) => typist.userId !== action.message.authorId),
      };
    case "updated":
      return { ...state, messages: mergeMessages(state.messages, [action.message], true) };
    case "deleted":
      return {
        ...state,
        messages: updateMessage(state.messages, action.messageId, (m) => tombstone(m, action.at)),
      };
    case "reaction":
      return {
        ...state,
        messages: updateMessage(state.messages, action.messageId, (message) => ({
          ...message,
          reactions: applyReaction(message.reactions, action),
        })),
      };
    case "typing":
      return {
        ...state,
        typists: [
          ...state.typists.filter((typist) => typist.userId !== action.userId),
          { userId: action.userId, name: action.name, until: action.until },
        ],
      };
    case "typing-expired":
      return { ...state, typists: state.typists.filter((typist) => typist.until > action.now) };
    case "read":
      return { ...state, lastReadSeq: Math.max(state.lastReadSeq, action.lastReadSeq) };
    case "older-loading":
      return { ...state, olderBusy: true, olderError: null };
    case "older-loaded":
      return { ...state, messages: mergeMessages(state.messages, action.messages), olderBusy: false };
    case "older-failed":
      return { ...state, olderError: action.error, olderBusy: false };
  }
}

/** Whether messages before the first one held exist (seqs start at 1). */
export function hasOlder(messages: readonly ChatMessage[]): boolean {
  return (messages[0]?.seq ?? 1) > 1;
}

/** Merges messages by id (a later copy wins; an edit event's empty reactions keep the known ones). */
export function mergeMessages(
  list: ChatMessage[],
  incoming: ChatMessage[],
  keepReactions = false,
): ChatMessage[] {
  if (incoming.length === 0) return list;
  const byId = new Map(list.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    byId.set(
      message.id,
      known && keepReactions ? { ...message, reactions: known.deletedAt ? [] : known.reactions } : message,
    );
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** A deleted message keeps its place (and seq) but none of its content. */
export function tombstone(message: ChatMessage, at: string): ChatMessage {
  return { ...message, body: "", mentions: [], reactions: [], deletedAt: at };
}

function updateMessage(
  list: ChatMessage[],
  id: string,
  change: (message: ChatMessage) => ChatMessage,
): ChatMessage[] {
  return list.map((message) => (message.id === id ? change(message) : message));
}

/** One person's reaction turned on or off; a reaction nobody holds any more disappears. */
export function applyReaction(
  reactions: ChatMessage["reactions"],
  event: { userId: string; emoji: string; on: boolean },
): ChatMessage["reactions"] {
  const existing = reactions.find((reaction) => reaction.emoji === event.emoji);
  if (event.on) {
    if (existing?.userIds.includes(event.userId)) return reactions;
    return existing
      ? reactions.map((reaction) =>
          reaction === existing ? { ...reaction, userIds: [...reaction.userIds, event.userId] } : reaction,
        )
      : [...reactions, { emoji: event.emoji, userIds: [event.userId] }];
  }
  if (!existing) return reactions;
  return reactions
    .map((reaction) =>
      reaction === existing
        ? { ...reaction, userIds: reaction.userIds.filter((userId) => userId !== event.userId) }
        : reaction,
    )
    .filter((reaction) => reaction.userIds.length > 0);
}
