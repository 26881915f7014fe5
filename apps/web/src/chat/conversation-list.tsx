import type { Conversation } from "../api/types.ts";
import { colorFor } from "../ui/colors.ts";
import { conversationTitle, unreadBadge } from "./chat-panel-model.ts";

/** The conversations, channel first, each with its unread count; the open one is marked current. */
export function ConversationList({
  items,
  activeId,
  projectNames,
  onSelect,
}: {
  items: Conversation[];
  activeId: string | undefined;
  projectNames: Map<string, string>;
  onSelect: (conversationId: string) => void;
}) {
  return (
    <ul className="conversation-list">
      {items.map((conversation) => {
        const name = conversationTitle(conversation, projectNames);
        const badge = unreadBadge(conversation.unread);
        return (
          <li key={conversation.id}>
            <button
              type="button"
              className="conversation-item"
              aria-current={conversation.id === activeId ? "true" : undefined}
              onClick={() => onSelect(conversation.id)}
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
              {badge && (
                <span className="unread-badge" data-testid="unread-badge">
                  {badge}
                  <span className="visually-hidden"> unread</span>
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
