import type { ChatMessage } from "../api/types.ts";

/** How the message list is laid out: pure decisions the conversation view and its items render. */

/** Messages by one author within this long of the previous one share its header. */
export const GROUP_WITHIN_MS = 5 * 60_000;
/** Close enough to the bottom to follow new messages. */
export const NEAR_BOTTOM_PX = 120;

/** The seq of the first message by someone else after the read pointer when opened: "New" goes above it. */
export function newDividerSeq(
  messages: readonly ChatMessage[],
  readWhenOpened: number | null,
  selfId: string,
): number | undefined {
  if (readWhenOpened === null) return undefined;
  return messages.find((message) => message.seq > readWhenOpened && message.authorId !== selfId)?.seq;
}

/** Whether `message` joins the group of `previous` (same author, soon after, no divider between). */
export function isGrouped(
  previous: ChatMessage | undefined,
  message: ChatMessage,
  dividerSeq: number | undefined,
): boolean {
  return (
    previous !== undefined &&
    previous.authorId === message.authorId &&
    !previous.deletedAt &&
    Date.parse(message.createdAt) - Date.parse(previous.createdAt) < GROUP_WITHIN_MS &&
    message.seq !== dividerSeq
  );
}

/**
 * The name shown for a message's author: a deleted account's messages have none (docs/privacy.md),
 * departed members no name.
 */
export function authorName(authorId: string | null, names: ReadonlyMap<string, string>): string {
  return authorId ? (names.get(authorId) ?? "Former member") : "Deleted user";
}

/** "Ann is typing…", "Ann and Bob are typing…", "Several people are typing…", or nothing. */
export function typingText(names: readonly string[]): string {
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return names.length > 2 ? "Several people are typing…" : "";
}

/** Who reacted, in words: "you, Bob, someone". */
export function reactorNames(
  userIds: readonly string[],
  selfId: string,
  names: ReadonlyMap<string, string>,
): string {
  return userIds.map((userId) => (userId === selfId ? "you" : (names.get(userId) ?? "someone"))).join(", ");
}

export interface ScrollGeometry {
  firstId: string;
  lastId: string;
  /** scrollHeight when last measured. */
  height: number;
  atBottom: boolean;
}

/**
 * What to do with the scroll position after the list changed: keep the view still when older
 * messages arrived above ("keep"), follow a new last message when at the bottom or when it is one's
 * own ("bottom"), else nothing.
 */
export function scrollAfterChange(
  before: ScrollGeometry,
  firstId: string,
  last: Pick<ChatMessage, "id" | "authorId"> | undefined,
  selfId: string,
): "keep" | "bottom" | "none" {
  if (before.firstId && firstId !== before.firstId && last?.id === before.lastId) return "keep";
  if (last && last.id !== before.lastId && (before.atBottom || last.authorId === selfId)) return "bottom";
  return "none";
}

export function isNearBottom(element: { scrollHeight: number; scrollTop: number; clientHeight: number }) {
  return element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
}
