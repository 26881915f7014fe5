import type { ChatTypingEvent } from "@codepark/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, request } from "../api/client.ts";
import type { ChatMessage, Page } from "../api/types.ts";
import { type AppSocket, ackError, onEveryConnect, withTimeout } from "../realtime/socket.ts";

const PAGE = 50;
/** How long "… is typing" stays without another typing event. */
export const TYPING_TTL_MS = 3000;
/** How often this client says it is typing while it is. */
const TYPING_EVERY_MS = 2000;

export interface Typist {
  userId: string;
  name: string;
  until: number;
}

/** Merges messages by id (a later copy wins; an edit event's empty reactions keep the known ones). */
function merge(list: ChatMessage[], incoming: ChatMessage[], keepReactions = false): ChatMessage[] {
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

/**
 * One conversation's messages, oldest first: joined over the socket (which answers what was missed
 * since the last seq this client has, so a reconnect leaves no gap), kept live by its events, and
 * paged back over REST. Actions go over the socket when it is connected, else over REST.
 */
export function useConversation(socket: AppSocket | null, conversationId: string, selfId: string) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [olderBusy, setOlderBusy] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  const [typists, setTypists] = useState<Typist[]>([]);
  /** The read pointer when the conversation was opened: messages after it get a "New" divider. */
  const [readWhenOpened, setReadWhenOpened] = useState<number | null>(null);
  const [lastReadSeq, setLastReadSeq] = useState(0);
  const list = useRef(messages);
  list.current = messages;
  const lastTyping = useRef(0);
  const joined = useRef(false);

  const add = useCallback((incoming: ChatMessage[], keepReactions = false) => {
    setMessages((current) => {
      const next = merge(current, incoming, keepReactions);
      list.current = next;
      return next;
    });
  }, []);

  // Over the socket: join (the latest page, or what was missed), then follow the events.
  useEffect(() => {
    // (The view is keyed by conversation: a different one starts with fresh state.)
    joined.current = false;
    if (!socket) return;
    let active = true;

    const join = (fresh = false) => {
      const lastSeq = fresh ? 0 : (list.current.at(-1)?.seq ?? 0);
      socket.emit(
        "chat:join",
        lastSeq > 0 ? { conversationId, afterSeq: lastSeq } : { conversationId },
        (ack) => {
          if (!active) return;
          if (!ack.ok) {
            setError(ackError(ack.error));
            setLoaded(true);
            return;
          }
          // Too much was missed to catch up in one answer: start again from the newest page.
          if (lastSeq > 0 && ack.hasMore) {
            setMessages([]);
            list.current = [];
            join(true);
            return;
          }
          add(ack.missed);
          joined.current = true;
          setError(null);
          setLoaded(true);
          setLastReadSeq((seq) => Math.max(seq, ack.lastReadSeq));
          setReadWhenOpened((seq) => seq ?? ack.lastReadSeq);
        },
      );
    };
    const stopJoining = onEveryConnect(socket, () => join());

    const mine = (event: { conversationId: string }) => event.conversationId === conversationId;
    const onMessage = (message: ChatMessage) => {
      if (!mine(message)) return;
      add([message]);
      setTypists((current) => current.filter((typist) => typist.userId !== message.authorId));
    };
    const onUpdated = (message: ChatMessage) => {
      if (mine(message)) add([message], true);
    };
    const onDeleted = (event: { conversationId: string; messageId: string }) => {
      if (!mine(event)) return;
      setMessages((current) =>
        current.map((message) =>
          message.id === event.messageId
            ? { ...message, body: "", mentions: [], reactions: [], deletedAt: new Date().toISOString() }
            : message,
        ),
      );
    };
    const onReaction = (event: {
      conversationId: string;
      messageId: string;
      userId: string;
      emoji: string;
      on: boolean;
    }) => {
      if (!mine(event)) return;
      setMessages((current) =>
        current.map((message) =>
          message.id === event.messageId
            ? { ...message, reactions: applyReaction(message.reactions, event) }
            : message,
        ),
      );
    };
    const onTyping = (event: ChatTypingEvent) => {
      if (!mine(event) || event.userId === selfId) return;
      const until = Date.now() + TYPING_TTL_MS;
      setTypists((current) => [
        ...current.filter((typist) => typist.userId !== event.userId),
        { userId: event.userId, name: event.name, until },
      ]);
    };
    const onRead = (event: { conversationId: string; userId: string; lastReadSeq: number }) => {
      if (mine(event) && event.userId === selfId) setLastReadSeq((seq) => Math.max(seq, event.lastReadSeq));
    };
    socket.on("chat:message", onMessage);
    socket.on("chat:message-updated", onUpdated);
    socket.on("chat:message-deleted", onDeleted);
    socket.on("chat:reaction", onReaction);
    socket.on("chat:typing", onTyping);
    socket.on("chat:read", onRead);
    return () => {
      active = false;
      stopJoining();
      socket.off("chat:message", onMessage);
      socket.off("chat:message-updated", onUpdated);
      socket.off("chat:message-deleted", onDeleted);
      socket.off("chat:reaction", onReaction);
      socket.off("chat:typing", onTyping);
      socket.off("chat:read", onRead);
      if (socket.connected) socket.emit("chat:leave", { conversationId });
    };
  }, [socket, conversationId, selfId, add]);

  // Without a live connection (still loading, offline), the newest page comes over REST; the join
  // then catches up from its last seq.
  useEffect(() => {
    if (socket?.connected) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      if (joined.current) return;
      api
        .get<Page<ChatMessage>>(`/conversations/${conversationId}/messages?limit=${PAGE}`, controller.signal)
        .then(
          (page) => {
            add(page.items);
            setLoaded(true);
          },
          (failure: unknown) => {
            if (controller.signal.aborted) return;
            if (list.current.length === 0) setError(failure);
            setLoaded(true);
          },
        );
    }, 1500);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [socket, conversationId, add]);

  // "… is typing" fades out without a fresh event.
  useEffect(() => {
    if (typists.length === 0) return;
    const next = Math.min(...typists.map((typist) => typist.until));
    const timer = setTimeout(
      () => setTypists((current) => current.filter((typist) => typist.until > Date.now())),
      Math.max(0, next - Date.now()) + 50,
    );
    return () => clearTimeout(timer);
  }, [typists]);

  const live = () => (socket?.connected ? socket : null);

  const loadOlder = useCallback(async () => {
    const first = list.current[0];
    if (!first || first.seq <= 1) return;
    setOlderBusy(true);
    setOlderError(null);
    try {
      const page = await api.get<Page<ChatMessage>>(
        `/conversations/${conversationId}/messages?limit=${PAGE}&cursor=${first.seq}`,
      );
      add(page.items);
    } catch (failure) {
      setOlderError(failure);
    } finally {
      setOlderBusy(false);
    }
  }, [conversationId, add]);

  const send = async (body: string): Promise<void> => {
    const target = live();
    if (target) {
      const ack = await withTimeout(target.emitWithAck("chat:send", { conversationId, body }));
      if (!ack.ok) throw ackError(ack.error);
      add([ack.message]);
    } else {
      add([await api.post<ChatMessage>(`/conversations/${conversationId}/messages`, { body })]);
    }
    lastTyping.current = 0;
  };

  const edit = async (messageId: string, body: string): Promise<void> => {
    const target = live();
    if (target) {
      const ack = await withTimeout(target.emitWithAck("chat:edit", { messageId, body }));
      if (!ack.ok) throw ackError(ack.error);
      add([ack.message]);
    } else {
      add([await api.patch<ChatMessage>(`/messages/${messageId}`, { body })]);
    }
  };

  const remove = async (messageId: string): Promise<void> => {
    const target = live();
    if (target) {
      const ack = await withTimeout(target.emitWithAck("chat:delete", { messageId }));
      if (!ack.ok) throw ackError(ack.error);
    } else {
      await api.delete(`/messages/${messageId}`);
    }
    setMessages((current) =>
      current.map((message) =>
        message.id === messageId
          ? { ...message, body: "", mentions: [], reactions: [], deletedAt: new Date().toISOString() }
          : message,
      ),
    );
  };

  const react = async (messageId: string, emoji: string, on: boolean): Promise<void> => {
    const target = live();
    let updated: ChatMessage;
    if (target) {
      const ack = await withTimeout(target.emitWithAck("chat:react", { messageId, emoji, on }));
      if (!ack.ok) throw ackError(ack.error);
      updated = ack.message;
    } else {
      const path = `/messages/${messageId}/reactions`;
      updated = on
        ? await api.post<ChatMessage>(path, { emoji })
        : await request<ChatMessage>("DELETE", `${path}/${encodeURIComponent(emoji)}`);
    }
    add([updated]);
  };

  /** Says "I am typing" at most every two seconds; best effort (no answer awaited). */
  const typing = () => {
    const target = live();
    if (!target || Date.now() - lastTyping.current < TYPING_EVERY_MS) return;
    lastTyping.current = Date.now();
    target.emit("chat:typing", { conversationId });
  };

  /** Moves the read pointer to `seq`; answers the server's unread count. */
  const markRead = async (seq: number): Promise<{ lastReadSeq: number; unread: number }> => {
    const target = live();
    let result: { lastReadSeq: number; unread: number };
    if (target) {
      const ack = await withTimeout(target.emitWithAck("chat:read", { conversationId, seq }));
      if (!ack.ok) throw ackError(ack.error);
      result = { lastReadSeq: ack.lastReadSeq, unread: ack.unread };
    } else {
      result = await api.post(`/conversations/${conversationId}/read`, { seq });
    }
    setLastReadSeq((current) => Math.max(current, result.lastReadSeq));
    return result;
  };

  return {
    messages,
    loaded,
    error,
    hasOlder: (messages[0]?.seq ?? 1) > 1,
    olderBusy,
    olderError,
    typists,
    readWhenOpened,
    lastReadSeq,
    loadOlder,
    send,
    edit,
    remove,
    react,
    typing,
    markRead,
  };
}

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
