import { useMemo, useRef, useState } from "react";
import type { ChatMessage } from "../api/types.ts";
import type { AppSocket } from "../realtime/socket.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { type Candidate, Composer } from "./composer.tsx";
import type { Typist } from "./conversation-model.ts";
import { mentionIndex } from "./mentions.ts";
import { MessageItem } from "./message-item.tsx";
import { authorName, isGrouped, newDividerSeq, typingText } from "./message-list-model.ts";
import { useConversation } from "./use-conversation.ts";
import { useMarkRead } from "./use-mark-read.ts";
import { useMessageScroll } from "./use-message-scroll.ts";

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

  const onScroll = useMessageScroll(
    scroller,
    chat.messages,
    selfId,
    chat.hasOlder && !chat.olderBusy && !chat.olderError && chat.loaded ? () => void chat.loadOlder() : null,
  );
  // Posting marks the conversation read for its author on the server: nothing to send after one's own.
  const last = chat.messages.at(-1);
  useMarkRead(last && last.authorId !== selfId ? last.seq : 0, chat.lastReadSeq, chat.markRead, onRead);

  const run = async (action: () => Promise<void>) => {
    setActionError(null);
    try {
      await action();
    } catch (failure) {
      setActionError(failure);
    }
  };

  const dividerSeq = newDividerSeq(chat.messages, chat.readWhenOpened, selfId);

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
              return (
                <MessageItem
                  key={message.id}
                  message={message}
                  grouped={isGrouped(chat.messages[position - 1], message, dividerSeq)}
                  newDivider={message.seq === dividerSeq}
                  author={authorName(message.authorId, names)}
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
  return (
    <p className="typing-line" aria-live="polite" data-testid="typing-line">
      {typingText(typists.map((typist) => typist.name))}
    </p>
  );
}
