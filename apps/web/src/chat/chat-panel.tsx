import { useCallback, useEffect, useMemo, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import type { Conversation } from "../api/types.ts";
import { type AppSocket, useRealtime } from "../realtime/socket.ts";
import { colorFor } from "../ui/colors.ts";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { Icon } from "../ui/icons.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";
import { ConversationView } from "./conversation-view.tsx";
import type { ConversationsState } from "./use-conversations.ts";
import "../styles/chat.css";

export interface ChatPanelProps {
  socket: AppSocket | null;
  self: { id: string; name: string };
  conversations: ConversationsState;
  /** The workspace's project (its channel comes first, its members can be messaged); null on /messages. */
  projectId: string | null;
  /** Names of projects, for their channels. */
  projectNames: Map<string, string>;
  /** The conversation to show first (defaults to the first in the list). */
  selectedId?: string | null;
  onSelect?: (conversationId: string) => void;
  onClose?: () => void;
  /** false for someone reading a public project's channel without being a member. */
  canPostInChannel?: boolean;
}

export function conversationTitle(conversation: Conversation, projectNames: Map<string, string>): string {
  if (conversation.kind === "project") {
    return `#${(conversation.projectId && projectNames.get(conversation.projectId)) || "project"}`;
  }
  return conversation.participants.map((person) => person.name).join(", ") || "Direct conversation";
}

/**
 * The chat: the conversation list (channel first, then direct conversations, with unread counts),
 * the open conversation, and starting a direct conversation with a member of the project.
 */
export function ChatPanel({
  socket,
  self,
  conversations,
  projectId,
  projectNames,
  selectedId = null,
  onSelect,
  onClose,
  canPostInChannel = true,
}: ChatPanelProps) {
  const { status } = useRealtime();
  const [chosen, setChosen] = useState<string | null>(selectedId);
  const [picking, setPicking] = useState(false);
  useEffect(() => {
    if (selectedId) setChosen(selectedId);
  }, [selectedId]);
  const items = conversations.items;
  const active = items.find((item) => item.id === chosen) ?? (chosen ? undefined : items[0]);

  const { setViewing } = conversations;
  useEffect(() => {
    setViewing(active?.id ?? null);
    return () => setViewing(null);
  }, [active?.id, setViewing]);

  // Outside the workspace, opening a channel joined its project's room (for its messages): leave
  // it again when done, so the project's presence does not show this tab.
  const channelProject = projectId === null && active?.kind === "project" ? active.projectId : null;
  useEffect(() => {
    if (!socket || !channelProject) return;
    return () => {
      if (socket.connected) socket.emit("project:leave", { projectId: channelProject }, () => undefined);
    };
  }, [socket, channelProject]);

  // People of the open conversation: the project's members for a channel, the two for a direct one.
  const membersProject = active?.kind === "project" ? active.projectId : projectId;
  const members = useAsync(
    (signal) =>
      membersProject
        ? getAll(apiRoutes.members.list, { params: { id: membersProject } }, { signal })
        : Promise.resolve([]),
    [membersProject],
  );
  const people = useMemo(() => {
    const list =
      active?.kind === "direct"
        ? active.participants
        : (members.data ?? []).map((member) => ({ id: member.userId, name: member.name }));
    return list.some((person) => person.id === self.id) ? list : [...list, self];
  }, [active, members.data, self]);

  const select = (conversationId: string) => {
    setChosen(conversationId);
    setPicking(false);
    onSelect?.(conversationId);
  };
  const start = useAction(async (userId: string) => {
    const conversation = await call(apiRoutes.chat.openDirect, { body: { userId } });
    conversations.upsert(conversation);
    select(conversation.id);
  });

  const { markedRead } = conversations;
  const activeId = active?.id;
  const onRead = useCallback(
    (lastReadSeq: number, unread: number) => {
      if (activeId) markedRead(activeId, lastReadSeq, unread);
    },
    [activeId, markedRead],
  );

  const others = (members.data ?? []).filter((member) => member.userId !== self.id);
  const title = active ? conversationTitle(active, projectNames) : "";

  return (
    <section className="chat-panel" aria-labelledby="chat-title" id="chat-panel">
      <div className="chat-head">
        <h2 id="chat-title">Chat</h2>
        {onClose && (
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close chat">
            <Icon name="close" />
          </button>
        )}
      </div>
      <nav className="conversation-nav" aria-label="Conversations">
        <div className="conversation-nav-head">
          <h3>Conversations</h3>
          {projectId && (
            <button
              type="button"
              className="link-button"
              aria-expanded={picking}
              aria-controls="member-picker"
              onClick={() => setPicking((value) => !value)}
            >
              {picking ? "Cancel" : "New direct message"}
            </button>
          )}
        </div>
        {picking && (
          <div className="member-picker" id="member-picker">
            <p className="muted">Message someone in this project:</p>
            {members.loading && <Spinner label="Loading members…" />}
            <ErrorMessage error={members.error} />
            <ErrorMessage error={start.error} onDismiss={start.clearError} />
            {!members.loading && others.length === 0 && !members.error && (
              <p className="muted">
                Nobody else is in this project yet. Invite people in the project settings.
              </p>
            )}
            <ul className="member-options">
              {others.map((member) => (
                <li key={member.userId}>
                  <button type="button" onClick={() => void start.run(member.userId)} disabled={start.busy}>
                    <span
                      className="avatar small"
                      style={{ backgroundColor: colorFor(member.userId) }}
                      aria-hidden="true"
                    >
                      {member.name.slice(0, 1).toUpperCase()}
                    </span>
                    <span className="visually-hidden">Message </span>
                    {member.name}
                    <span className="muted"> · {member.role}</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        {conversations.loading && items.length === 0 && <Spinner label="Loading conversations…" />}
        {conversations.error ? (
          <div>
            <ErrorMessage error={conversations.error} />
            <button type="button" onClick={conversations.reload}>
              Try again
            </button>
          </div>
        ) : null}
        <ul className="conversation-list">
          {items.map((conversation) => {
            const name = conversationTitle(conversation, projectNames);
            const current = conversation.id === active?.id;
            return (
              <li key={conversation.id}>
                <button
                  type="button"
                  className="conversation-item"
                  aria-current={current ? "true" : undefined}
                  onClick={() => select(conversation.id)}
                >
                  {conversation.kind === "project" ? (
                    <span className="conversation-icon" aria-hidden="true">
                      #
                    </span>
                  ) : (
                    <span
                      className="avatar small"
                      style={{
                        backgroundColor: colorFor(conversation.participants[0]?.id ?? conversation.id),
                      }}
                      aria-hidden="true"
                    >
                      {name.slice(0, 1).toUpperCase()}
                    </span>
                  )}
                  <span className="conversation-name">
                    {conversation.kind === "project" ? name.slice(1) : name}
                    {conversation.kind === "project" && (
                      <span className="visually-hidden"> (project channel)</span>
                    )}
                  </span>
                  {conversation.unread > 0 && (
                    <span className="unread-badge" data-testid="unread-badge">
                      {conversation.unread > 99 ? "99+" : conversation.unread}
                      <span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      {!picking && members.error ? (
        <div className="chat-notice">
          <ErrorMessage error={members.error} />
          <p className="muted">Names and @mentions may be missing until the members load.</p>
          <button type="button" onClick={members.reload}>
            Try again
          </button>
        </div>
      ) : null}
      {status === "offline" && (
        <p className="chat-offline" role="status">
          Offline: reconnecting… Messages that arrive meanwhile appear when the connection is back.
        </p>
      )}
      {active ? (
        <ConversationView
          key={active.id}
          socket={socket}
          conversationId={active.id}
          title={title}
          selfId={self.id}
          people={people}
          onRead={onRead}
          disabledReason={
            active.kind === "project" && !canPostInChannel
              ? "You can read this channel; only members of the project can post in it."
              : null
          }
        />
      ) : (
        !conversations.loading &&
        !conversations.error && (
          <p className="chat-empty muted">
            {chosen ? "This conversation is not available to you." : "No conversations yet."}
          </p>
        )
      )}
    </section>
  );
}
