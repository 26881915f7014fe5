import type { ChatTypingEvent } from "@codepark/protocol";
import { useCallback, useEffect, useReducer, useRef } from "react";
import type { ChatMessage } from "../api/types.ts";
import { type AppSocket, ackError, onEveryConnect } from "../realtime/socket.ts";
import {
  deleteMessage,
  editMessage,
  fetchNewestPage,
  fetchPageBefore,
  markConversationRead,
  reactTo,
  sendMessage,
} from "./conversation-actions.ts";
import { conversationReducer, hasOlder, initialConversation, TYPING_TTL_MS } from "./conversation-model.ts";

/** How often this client says it is typing while it is. */
const TYPING_EVERY_MS = 2000;

/**
 * One conversation's messages, oldest first: joined over the socket (which answers what was missed
 * since the last seq this client has, so a reconnect leaves no gap), kept live by its events, and
 * paged back over REST. Actions go over the socket when it is connected, else over REST. The state
 * itself is conversation-model.ts; this hook feeds it.
 */
export function useConversation(socket: AppSocket | null, conversationId: string, selfId: string) {
  const [state, dispatch] = useReducer(conversationReducer, initialConversation);
  // Socket callbacks read the latest list (the last seq to join after, the first to page before).
  const list = useRef(state.messages);
  list.current = state.messages;
  const lastTyping = useRef(0);
  const joined = useRef(false);

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
            dispatch({ type: "join-failed", error: ackError(ack.error) });
            return;
          }
          // Too much was missed to catch up in one answer: start again from the newest page.
          if (lastSeq > 0 && ack.hasMore) {
            list.current = [];
            dispatch({ type: "restart" });
            join(true);
            return;
          }
          joined.current = true;
          dispatch({ type: "joined", missed: ack.missed, lastReadSeq: ack.lastReadSeq });
        },
      );
    };
    const stopJoining = onEveryConnect(socket, () => join());

    const mine = (event: { conversationId: string }) => event.conversationId === conversationId;
    const onMessage = (message: ChatMessage) => {
      if (mine(message)) dispatch({ type: "message", message });
    };
    const onUpdated = (message: ChatMessage) => {
      if (mine(message)) dispatch({ type: "updated", message });
    };
    const onDeleted = (event: { conversationId: string; messageId: string }) => {
      if (mine(event))
        dispatch({ type: "deleted", messageId: event.messageId, at: new Date().toISOString() });
    };
    const onReaction = (event: {
      conversationId: string;
      messageId: string;
      userId: string;
      emoji: string;
      on: boolean;
    }) => {
      if (mine(event)) dispatch({ type: "reaction", ...event });
    };
    const onTyping = (event: ChatTypingEvent) => {
      if (!mine(event) || event.userId === selfId) return;
      dispatch({ type: "typing", userId: event.userId, name: event.name, until: Date.now() + TYPING_TTL_MS });
    };
    const onRead = (event: { conversationId: string; userId: string; lastReadSeq: number }) => {
      if (mine(event) && event.userId === selfId) dispatch({ type: "read", lastReadSeq: event.lastReadSeq });
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
  }, [socket, conversationId, selfId]);

  // Without a live connection (still loading, offline), the newest page comes over REST; the join
  // then catches up from its last seq.
  useEffect(() => {
    if (socket?.connected) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      if (joined.current) return;
      fetchNewestPage(conversationId, controller.signal).then(
        (page) => dispatch({ type: "page-loaded", messages: page.items }),
        (failure: unknown) => {
          if (!controller.signal.aborted) dispatch({ type: "page-failed", error: failure });
        },
      );
    }, 1500);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [socket, conversationId]);

  // "… is typing" fades out without a fresh event.
  const { typists } = state;
  useEffect(() => {
    if (typists.length === 0) return;
    const next = Math.min(...typists.map((typist) => typist.until));
    const timer = setTimeout(
      () => dispatch({ type: "typing-expired", now: Date.now() }),
      Math.max(0, next - Date.now()) + 50,
    );
    return () => clearTimeout(timer);
  }, [typists]);

  const live = () => (socket?.connected ? socket : null);

  const loadOlder = useCallback(async () => {
    const first = list.current[0];
    if (!first || first.seq <= 1) return;
    dispatch({ type: "older-loading" });
    try {
      const page = await fetchPageBefore(conversationId, first.seq);
      dispatch({ type: "older-loaded", messages: page.items });
    } catch (failure) {
      dispatch({ type: "older-failed", error: failure });
    }
  }, [conversationId]);

  const received = (message: ChatMessage) => dispatch({ type: "received", messages: [message] });

  return {
    ...state,
    hasOlder: hasOlder(state.messages),
    loadOlder,
    send: async (body: string): Promise<void> => {
      received(await sendMessage(live(), conversationId, body));
      lastTyping.current = 0;
    },
    edit: async (messageId: string, body: string): Promise<void> => {
      received(await editMessage(live(), messageId, body));
    },
    remove: async (messageId: string): Promise<void> => {
      await deleteMessage(live(), messageId);
      dispatch({ type: "deleted", messageId, at: new Date().toISOString() });
    },
    react: async (messageId: string, emoji: string, on: boolean): Promise<void> => {
      received(await reactTo(live(), messageId, emoji, on));
    },
    /** Says "I am typing" at most every two seconds; best effort (no answer awaited). */
    typing: () => {
      const target = live();
      if (!target || Date.now() - lastTyping.current < TYPING_EVERY_MS) return;
      lastTyping.current = Date.now();
      target.emit("chat:typing", { conversationId });
    },
    /** Moves the read pointer to `seq`; answers the server's unread count. */
    markRead: async (seq: number): Promise<{ lastReadSeq: number; unread: number }> => {
      const result = await markConversationRead(live(), conversationId, seq);
      dispatch({ type: "read", lastReadSeq: result.lastReadSeq });
      return result;
    },
  };
}
