import { useCallback, useEffect, useMemo, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import { type AppSocket, useRealtime } from "../realtime/socket.ts";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { Icon } from "../ui/icons.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";
import {
  activeConversation,
  channelRoomToLeave,
  conversationPeople,
  conversationTitle,
  membersProjectOf,
  noConversationText,
  otherMembers,
  postingDisabledReason,
} from "./chat-panel-model.ts";
import { ConversationList } from "./conversation-list.tsx";
import { ConversationView } from "./conversation-view.tsx";
import { MemberPicker } from "./member-picker.tsx";
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
  const active = activeConversation(items, chosen);

  const { setViewing } = conversations;
  useEffect(() => {
    setViewing(active?.id ?? null);
    return () => setViewing(null);
  }, [active?.id, setViewing]);

  // Outside the workspace, opening a channel joined its project's room (for its messages): leave
  // it again when done, so the project's presence does not show this tab.
  const channelProject = channelRoomToLeave(projectId, active);
  useEffect(() => {
    if (!socket || !channelProject) return;
    return () => {
      if (socket.connected) socket.emit("project:leave", { projectId: channelProject }, () => undefined);
    };
  }, [socket, channelProject]);

  // People of the open conversation: the project's members for a channel, the two for a direct one.
  const membersProject = membersProjectOf(active, projectId);
  const members = useAsync(
    (signal) =>
      membersProject
        ? getAll(apiRoutes.members.list, { params: { id: membersProject } }, { signal })
        : Promise.resolve([]),
    [membersProject],
  );
  const people = useMemo(() => conversationPeople(active, members.data, self), [active, members.data, self]);

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

  const others = otherMembers(members.data, self.id);
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
          <MemberPicker
            others={others}
            loading={members.loading}
            loadError={members.error}
            startError={start.error}
            onDismissStartError={start.clearError}
            busy={start.busy}
            onStart={(userId) => void start.run(userId)}
          />
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
        <ConversationList items={items} activeId={active?.id} projectNames={projectNames} onSelect={select} />
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
          disabledReason={postingDisabledReason(active, canPostInChannel)}
        />
      ) : (
        !conversations.loading &&
        !conversations.error && <p className="chat-empty muted">{noConversationText(chosen)}</p>
      )}
    </section>
  );
}
