import { useRef, useState } from "react";
import type { ChatMessage } from "../api/types.ts";
import { colorFor } from "../ui/colors.ts";
import { formatDate, formatMessageTime } from "../ui/format.ts";
import { Icon } from "../ui/icons.tsx";
import { type Candidate, Composer } from "./composer.tsx";
import { Markdown } from "./markdown.tsx";
import type { MentionIndex } from "./mentions.ts";
import { ReactionList, ReactionPicker } from "./message-reactions.tsx";

/** One message in the list: header (unless grouped), body or its editor, reactions and actions. */
export function MessageItem({
  message,
  grouped,
  newDivider,
  author,
  selfId,
  mentions,
  names,
  editing,
  people,
  onEdit,
  onCancelEdit,
  onSaveEdit,
  onDelete,
  onReact,
}: {
  message: ChatMessage;
  grouped: boolean;
  newDivider: boolean;
  author: string;
  selfId: string;
  mentions: MentionIndex;
  names: Map<string, string>;
  editing: boolean;
  people: Candidate[];
  onEdit: () => void;
  onCancelEdit: () => void;
  onSaveEdit: (body: string) => Promise<void>;
  onDelete: () => void;
  onReact: (emoji: string, on: boolean) => void;
}) {
  const [picking, setPicking] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const own = message.authorId === selfId;
  const deleted = message.deletedAt !== null;
  const mentionsMe = message.mentions.includes(selfId);
  const classes = [
    "message",
    grouped ? "grouped" : "",
    mentionsMe ? "mentions-me" : "",
    deleted ? "deleted" : "",
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <>
      {newDivider && (
        <li className="new-divider" aria-label="New messages">
          <span>New</span>
        </li>
      )}
      <li
        className={picking ? `${classes} picking` : classes}
        data-seq={message.seq}
        data-testid="message"
        onBlur={(event) => {
          // The reaction choices close when the focus leaves the message.
          if (picking && !event.currentTarget.contains(event.relatedTarget as Node | null)) setPicking(false);
        }}
      >
        {grouped ? (
          <span className="message-gutter" aria-hidden="true" />
        ) : (
          <span
            className="avatar"
            style={{ backgroundColor: message.authorId ? colorFor(message.authorId) : "#555" }}
            aria-hidden="true"
          >
            {author.slice(0, 1).toUpperCase()}
          </span>
        )}
        <div className="message-main">
          <div className={grouped ? "message-head visually-hidden" : "message-head"}>
            <span className="message-author">
              {author}
              {own && <span className="visually-hidden"> (you)</span>}
            </span>{" "}
            <time className="message-time" dateTime={message.createdAt} title={formatDate(message.createdAt)}>
              {formatMessageTime(message.createdAt)}
            </time>
            {message.editedAt && !deleted && (
              <span className="message-edited" title={`Edited ${formatDate(message.editedAt)}`}>
                {" "}
                (edited)
              </span>
            )}
          </div>
          {deleted ? (
            <p className="message-deleted muted">This message was deleted.</p>
          ) : editing ? (
            <Composer
              label="Edit message"
              people={people}
              initial={message.body}
              submitLabel="Save"
              autoFocus
              onSend={onSaveEdit}
              onCancel={onCancelEdit}
            />
          ) : (
            <Markdown text={message.body} mentions={mentions} />
          )}
          {!deleted && message.reactions.length > 0 && (
            <ReactionList reactions={message.reactions} selfId={selfId} names={names} onReact={onReact} />
          )}
        </div>
        {!deleted && !editing && (
          <div className="message-actions">
            {picking && (
              <ReactionPicker
                reactions={message.reactions}
                selfId={selfId}
                onPick={(emoji, on) => {
                  setPicking(false);
                  onReact(emoji, on);
                }}
                onEscape={() => {
                  setPicking(false);
                  reactButton.current?.focus();
                }}
              />
            )}
            <button
              ref={reactButton}
              type="button"
              className="icon-button"
              aria-expanded={picking}
              title="Add a reaction"
              onClick={() => setPicking((value) => !value)}
            >
              <Icon name="smile" />
              <span className="visually-hidden">Add a reaction to the message from {author}</span>
            </button>
            {own && (
              <>
                <button type="button" className="icon-button" title="Edit" onClick={onEdit}>
                  <Icon name="pencil" />
                  <span className="visually-hidden">Edit your message</span>
                </button>
                <button type="button" className="icon-button" title="Delete" onClick={onDelete}>
                  <Icon name="trash" />
                  <span className="visually-hidden">Delete your message</span>
                </button>
              </>
            )}
          </div>
        )}
      </li>
    </>
  );
}
