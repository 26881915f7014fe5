import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { ChatMessage, Conversation } from "../api/types.ts";
import type { AppSocket } from "../realtime/socket.ts";

export interface ConversationsState {
  /** The project channel(s) first, then direct conversations, most recently active first. */
  items: Conversation[];
  loading: boolean;
  error: unknown;
  reload: () => void;
  totalUnread: number;
  /** The conversation on screen: its new messages are read, not counted as unread. */
  setViewing: (conversationId: string | null) => void;
  /** After a read receipt: the server's answer for that conversation. */
  markedRead: (conversationId: string, lastReadSeq: number, unread: number) => void;
  /** Adds (or refreshes) one, e.g. a direct conversation just opened. */
  upsert: (conversation: Conversation) => void;
}

/**
 * The person's conversations with live unread counts: in a project, its channel and their direct
 * conversations; without one (projectId null), all of them. New messages arrive over the shared
 * socket (the project room for channels, the person's own room for direct ones).
 */
export function useConversations(
  socket: AppSocket | null,
  selfId: string,
  projectId: string | null,
): ConversationsState {
  const [items, setItems] = useState<Conversation[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  /** Local activity order for direct conversations (the list has no last-message time). */
  const activity = useRef(new Map<string, number>());
  const viewing = useRef<string | null>(null);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const loadedAt = useRef(0);
  const ignored = useRef(new Set<string>());

  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation asks for a reload
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const load = async () => {
      const all = await call(apiRoutes.chat.listConversations, {}, { signal: controller.signal });
      if (!projectId) return all.items;
      // Asking for the channel creates it the first time.
      const channel = await call(
        apiRoutes.chat.projectChannel,
        { params: { id: projectId } },
        { signal: controller.signal },
      );
      return [channel, ...all.items.filter((item) => item.kind === "direct")];
    };
    load().then(
      (loaded) => {
        if (controller.signal.aborted) return;
        loadedAt.current = Date.now();
        setItems(loaded);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [projectId, generation]);

  const refreshOne = useCallback((conversationId: string) => {
    call(apiRoutes.chat.getConversation, { params: { id: conversationId } }).then(
      (fresh) => setItems((list) => list.map((item) => (item.id === fresh.id ? fresh : item))),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    if (!socket) return;
    const onMessage = (message: ChatMessage) => {
      const known = itemsRef.current.find((item) => item.id === message.conversationId);
      if (!known) {
        // A conversation this list has not seen (someone wrote to us first): fetch the list again,
        // once (another project's channel stays out of a project's list).
        if (!ignored.current.has(message.conversationId)) {
          ignored.current.add(message.conversationId);
          reload();
        }
        return;
      }
      activity.current.set(message.conversationId, Date.now());
      const onScreen = viewing.current === message.conversationId && document.visibilityState === "visible";
      setItems((list) =>
        list.map((item) => {
          if (item.id !== message.conversationId || message.seq <= item.lastSeq) return item;
          const counts = message.authorId !== selfId && !onScreen && message.seq > item.lastReadSeq;
          return {
            ...item,
            lastSeq: message.seq,
            // Own messages are read by their author.
            lastReadSeq: message.authorId === selfId ? message.seq : item.lastReadSeq,
            unread: message.authorId === selfId ? 0 : item.unread + (counts ? 1 : 0),
          };
        }),
      );
    };
    const onRead = (event: { conversationId: string; userId: string; lastReadSeq: number }) => {
      if (event.userId !== selfId) return;
      const known = itemsRef.current.find((item) => item.id === event.conversationId);
      if (!known) return;
      if (event.lastReadSeq >= known.lastSeq) {
        setItems((list) =>
          list.map((item) =>
            item.id === event.conversationId
              ? { ...item, lastReadSeq: Math.max(item.lastReadSeq, event.lastReadSeq), unread: 0 }
              : item,
          ),
        );
      } else {
        refreshOne(event.conversationId);
      }
    };
    const onDeleted = (event: { conversationId: string; seq: number }) => {
      const known = itemsRef.current.find((item) => item.id === event.conversationId);
      if (known && known.unread > 0 && event.seq > known.lastReadSeq) refreshOne(event.conversationId);
    };
    // Counts changed while disconnected are not replayed as events: ask again after a reconnect.
    const onConnect = () => {
      if (Date.now() - loadedAt.current > 2000) reload();
    };
    socket.on("chat:message", onMessage);
    socket.on("chat:read", onRead);
    socket.on("chat:message-deleted", onDeleted);
    socket.on("connect", onConnect);
    return () => {
      socket.off("chat:message", onMessage);
      socket.off("chat:read", onRead);
      socket.off("chat:message-deleted", onDeleted);
      socket.off("connect", onConnect);
    };
  }, [socket, selfId, reload, refreshOne]);

  const setViewing = useCallback((conversationId: string | null) => {
    viewing.current = conversationId;
  }, []);
  const markedRead = useCallback((conversationId: string, lastReadSeq: number, unread: number) => {
    setItems((list) =>
      list.map((item) =>
        item.id === conversationId
          ? { ...item, lastReadSeq: Math.max(item.lastReadSeq, lastReadSeq), unread }
          : item,
      ),
    );
  }, []);
  const upsert = useCallback((conversation: Conversation) => {
    activity.current.set(conversation.id, Date.now());
    setItems((list) =>
      list.some((item) => item.id === conversation.id)
        ? list.map((item) => (item.id === conversation.id ? conversation : item))
        : [...list, conversation],
    );
  }, []);

  const ordered = useMemo(() => {
    const rank = (item: Conversation) => activity.current.get(item.id) ?? Date.parse(item.createdAt);
    const channels = items.filter((item) => item.kind === "project");
    const direct = items.filter((item) => item.kind === "direct").sort((a, b) => rank(b) - rank(a));
    return [...channels, ...direct];
  }, [items]);
  const totalUnread = useMemo(() => items.reduce((sum, item) => sum + item.unread, 0), [items]);

  return { items: ordered, loading, error, reload, totalUnread, setViewing, markedRead, upsert };
}
