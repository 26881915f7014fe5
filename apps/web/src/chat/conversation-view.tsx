import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { ChatMessage } from "../api/types.ts";
import type { AppSocket } from "../realtime/socket.ts";
import { colorFor } from "../ui/colors.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { formatDate, formatMessageTime } from "../ui/format.ts";
import { Icon } from "../ui/icons.tsx";
import { type Candidate, Composer } from "./composer.tsx";
import { Markdown } from "./markdown.tsx";
import { type MentionIndex, mentionIndex } from "./mentions.ts";
import { QUICK_REACTIONS, ReactionGlyph, reactionLabel } from "./reactions.tsx";
import { type Typist, useConversation } from "./use-conversation.ts";

/** Close enough to the bottom to follow new messages. */
const NEAR_BOTTOM_PX = 120;

/**
 * One open conversation: its messages (older ones load when scrolled to the top or with the
 * button), who is typing, and the composer. Marks read what it shows while the page is visible.
 */
export function ConversationView({
  socket,
  conversationId,
  title,
  selfId,
  people,
  onRead,
  disabledReason = null,
}: {
  socket: AppSocket | null;
  conversationId: string;
  /** e.g. "#Apollo" or "Bob": used in labels. */
  title: string;
  selfId: string;
  /** Everyone who takes part (self included), for names and mentions. */
  people: { id: string; name: string }[];
  onRead: (lastReadSeq: number, unread: number) => void;
  disabledReason?: string | null;
}) {
  const chat = useConversation(socket, conversationId, selfId);
  const scroller = useRef<HTMLDivElement>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ChatMessage | null>(null);
  const index = useMemo(() => mentionIndex(people, selfId), [people, selfId]);
  const names = useMemo(() => new Map(people.map((person) => [person.id, person.name])), [people]);
  const candidates: Candidate[] = useMemo(
    () => people.filter((person) => person.id !== selfId),
    [people, selfId],
  );

  // Scrolling: stay at the bottom as messages arrive (when already there, or for one's own), and
  // keep the view still when older messages are added above.
  const geometry = useRef({ firstId: "", lastId: "", height: 0, atBottom: true });
  const firstId = chat.messages[0]?.id ?? "";
  const last = chat.messages.at(-1);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = geometry.current;
    if (before.firstId && firstId !== before.firstId && last?.id === before.lastId) {
      element.scrollTop += element.scrollHeight - before.height;
    } else if (last && last.id !== before.lastId && (before.atBottom || last.authorId === selfId)) {
      element.scrollTop = element.scrollHeight;
    }
    geometry.current = {
      firstId,
      lastId: last?.id ?? "",
      height: element.scrollHeight,
      atBottom: element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX,
    };
  }, [firstId, last, selfId]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    geometry.current.atBottom =
      element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
    geometry.current.height = element.scrollHeight;
    if (element.scrollTop < 40 && chat.hasOlder && !chat.olderBusy && !chat.olderError && chat.loaded) {
      void chat.loadOlder();
    }
  };

  // Read what is on screen, while the page is visible.
  // Posting marks the conversation read for its author on the server: nothing to send after one's own.
  const lastSeq = last && last.authorId !== selfId ? last.seq : 0;
  const lastReadSeq = chat.lastReadSeq;
  const reader = useRef({ markRead: chat.markRead, onRead });
  reader.current = { markRead: chat.markRead, onRead };
  useEffect(() => {
    if (lastSeq === 0 || lastSeq <= lastReadSeq) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      if (document.visibilityState !== "visible") return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reader.current.markRead(lastSeq).then(
          (result) => reader.current.onRead(result.lastReadSeq, result.unread),
          () => undefined, // shown as unread still; the next message or visit tries again
        );
      }, 250);
    };
    attempt();
    document.addEventListener("visibilitychange", attempt);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", attempt);
    };
  }, [lastSeq, lastReadSeq]);

  const run = async (action: () => Promise<void>) => {
    setActionError(null);
    try {
      await action();
    } catch (failure) {
      setActionError(failure);
    }
  };

  const dividerSeq =
    chat.readWhenOpened !== null
      ? chat.messages.find((message) => message.seq > chat.readWhenOpened! && message.authorId !== selfId)
          ?.seq
      : undefined;

  return (
    <div className="conversation">
      <div className="message-scroller" ref={scroller} onScroll={onScroll} data-testid="messages">
        {chat.hasOlder && chat.loaded && (
          <div className="older">
            <button
              type="button"
              className="link-button"
              onClick={() => void chat.loadOlder()}
              disabled={chat.olderBusy}
            >
              {chat.olderBusy ? "Loading older messages…" : "Load older messages"}
            </button>
          </div>
        )}
        <ErrorMessage error={chat.olderError} />
        {!chat.loaded && <Spinner label="Loading messages…" />}
        <ErrorMessage error={chat.error} />
        {chat.loaded && !chat.error && chat.messages.length === 0 && (
          <p className="chat-empty muted">No messages yet. Say hello!</p>
        )}
        <div role="log" aria-label={`Messages in ${title}`} aria-live="polite">
          <ol className="message-list">
            {chat.messages.map((message, position) => {
              const previous = chat.messages[position - 1];
              const grouped =
                previous !== undefined &&
                previous.authorId === message.authorId &&
                !previous.deletedAt &&
                Date.parse(message.createdAt) - Date.parse(previous.createdAt) < 5 * 60_000 &&
                message.seq !== dividerSeq;
              return (
                <MessageItem
                  key={message.id}
                  message={message}
                  grouped={grouped}
                  newDivider={message.seq === dividerSeq}
                  author={message.authorId ? (names.get(message.authorId) ?? "Former member") : "CodePark"}
                  selfId={selfId}
                  mentions={index}
                  names={names}
                  editing={editing === message.id}
                  people={candidates}
                  onEdit={() => setEditing(message.id)}
                  onCancelEdit={() => setEditing(null)}
                  onSaveEdit={async (body) => {
                    await chat.edit(message.id, body);
                    setEditing(null);
                  }}
                  onDelete={() => setDeleting(message)}
                  onReact={(emoji, on) => void run(() => chat.react(message.id, emoji, on))}
                />
              );
            })}
          </ol>
        </div>
      </div>
      <ErrorMessage error={actionError} onDismiss={() => setActionError(null)} />
      <TypingLine typists={chat.typists} />
      <Composer
        label={`Message ${title}`}
        placeholder={`Message ${title}`}
        people={candidates}
        onSend={chat.send}
        onTyping={chat.typing}
        disabledReason={disabledReason}
      />
      {deleting && (
        <ConfirmDialog
          title="Delete this message?"
          message={<p>Everyone in the conversation will see that a message was deleted, but not its text.</p>}
          confirmLabel="Delete message"
          onConfirm={() => chat.remove(deleting.id)}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}

function TypingLine({ typists }: { typists: Typist[] }) {
  const names = typists.map((typist) => typist.name);
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = "Several people are typing…";
  return (
    <p className="typing-line" aria-live="polite" data-testid="typing-line">
      {text}
    </p>
  );
}

function MessageItem({
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
            <ul className="reactions" aria-label="Reactions">
              {message.reactions.map((reaction) => {
                const mine = reaction.userIds.includes(selfId);
                const who = reaction.userIds
                  .map((userId) => (userId === selfId ? "you" : (names.get(userId) ?? "someone")))
                  .join(", ");
                return (
                  <li key={reaction.emoji}>
                    <button
                      type="button"
                      className="reaction"
                      aria-pressed={mine}
                      title={`${reactionLabel(reaction.emoji)}: ${who}`}
                      onClick={() => onReact(reaction.emoji, !mine)}
                    >
                      <ReactionGlyph emoji={reaction.emoji} />
                      <span className="reaction-count">{reaction.userIds.length}</span>
                      <span className="visually-hidden">
                        {" "}
                        {reactionLabel(reaction.emoji)} from {who}
                        {mine ? ". Press to take yours back" : ". Press to add yours"}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        {!deleted && !editing && (
          <div className="message-actions">
            {picking ? (
              <div className="reaction-picker">
                {QUICK_REACTIONS.map((reaction) => {
                  const mine = message.reactions.some(
                    (existing) => existing.emoji === reaction.emoji && existing.userIds.includes(selfId),
                  );
                  return (
                    <button
                      key={reaction.emoji}
                      type="button"
                      className="icon-button"
                      aria-pressed={mine}
                      title={reaction.label}
                      onClick={() => {
                        setPicking(false);
                        onReact(reaction.emoji, !mine);
                      }}
                      onKeyDown={(event) => {
                        if (event.key !== "Escape") return;
                        event.stopPropagation();
                        setPicking(false);
                        reactButton.current?.focus();
                      }}
                    >
                      <ReactionGlyph emoji={reaction.emoji} />
                      <span className="visually-hidden">React with {reaction.label}</span>
                    </button>
                  );
                })}
              </div>
            ) : null}
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
