import type { Conversation, Member } from "../api/types.ts";

/**
 * The chat panel's decisions, without React: which conversation is open, who is in it (for names
 * and @mentions), what the list shows. The panel (chat-panel.tsx) renders them and does the I/O.
 */

export interface PersonRef {
  id: string;
  name: string;
}

/** A conversation's name: `#project` for a channel, the participants' names for a direct one. */
export function conversationTitle(conversation: Conversation, projectNames: Map<string, string>): string {
  if (conversation.kind === "project") {
    return `#${(conversation.projectId && projectNames.get(conversation.projectId)) || "project"}`;
  }
  return conversation.participants.map((person) => person.name).join(", ") || "Direct conversation";
}

/**
 * The open conversation: the chosen one; the first of the list when none was chosen; none when the
 * chosen one is not in the list (not available to this person).
 */
export function activeConversation(items: Conversation[], chosen: string | null): Conversation | undefined {
  return items.find((item) => item.id === chosen) ?? (chosen ? undefined : items[0]);
}

/** The project whose members are the people of the panel: the open channel's, else the workspace's. */
export function membersProjectOf(active: Conversation | undefined, projectId: string | null): string | null {
  return active?.kind === "project" ? active.projectId : projectId;
}

/**
 * The project room to leave when the open channel closes: outside the workspace (no `projectId`),
 * opening a channel joined its project's room, which must not keep this tab in its presence.
 */
export function channelRoomToLeave(
  projectId: string | null,
  active: Conversation | undefined,
): string | null {
  return projectId === null && active?.kind === "project" ? active.projectId : null;
}

/** People of the open conversation (the two of a direct one, a channel's members), always with oneself. */
export function conversationPeople(
  active: Conversation | undefined,
  members: Member[] | undefined,
  self: PersonRef,
): PersonRef[] {
  const list =
    active?.kind === "direct"
      ? active.participants
      : (members ?? []).map((member) => ({ id: member.userId, name: member.name }));
  return list.some((person) => person.id === self.id) ? list : [...list, self];
}

/** Members one can start a direct conversation with: everyone but oneself. */
export function otherMembers(members: Member[] | undefined, selfId: string): Member[] {
  return (members ?? []).filter((member) => member.userId !== selfId);
}

/** An unread count as the badge shows it: none at 0, capped at 99+. */
export function unreadBadge(unread: number): string | null {
  if (unread <= 0) return null;
  return unread > 99 ? "99+" : String(unread);
}

export const CHANNEL_READ_ONLY = "You can read this channel; only members of the project can post in it.";

/** Why the composer is off for the open conversation (a channel of a project one only reads), or null. */
export function postingDisabledReason(active: Conversation, canPostInChannel: boolean): string | null {
  return active.kind === "project" && !canPostInChannel ? CHANNEL_READ_ONLY : null;
}

/** What the panel says when no conversation is open. */
export function noConversationText(chosen: string | null): string {
  return chosen ? "This conversation is not available to you." : "No conversations yet.";
}
