import { useEffect, useMemo, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import { useSession } from "../api/use-session.ts";
import { useRealtime } from "../realtime/socket.ts";
import { navigate } from "../router.tsx";
import { ErrorMessage } from "../ui/feedback.tsx";
import { useAsync } from "../ui/use-async.ts";
import { ChatPanel } from "./chat-panel.tsx";
import { useConversations } from "./use-conversations.ts";

/**
 * /messages and /messages/:id: every conversation of the person, outside any workspace (where
 * a mention in a direct conversation links to).
 */
export function MessagesPage({ conversationId }: { conversationId: string | null }) {
  const session = useSession();
  const self = useMemo(
    () => ({ id: session?.user.id ?? "", name: session?.user.name ?? "" }),
    [session?.user.id, session?.user.name],
  );
  const { socket } = useRealtime();
  const conversations = useConversations(socket, self.id, null);
  const projects = useAsync((signal) => getAll(apiRoutes.projects.list, {}, { signal }), []);
  const projectNames = useMemo(
    () => new Map((projects.data ?? []).map((project) => [project.id, project.name])),
    [projects.data],
  );
  const [missing, setMissing] = useState<unknown>(null);

  // A conversation outside the list (a public project's channel): ask for it on its own.
  const { items, loading, upsert } = conversations;
  useEffect(() => {
    if (!conversationId || loading || items.some((item) => item.id === conversationId)) return;
    const controller = new AbortController();
    call(
      apiRoutes.chat.getConversation,
      { params: { id: conversationId } },
      { signal: controller.signal },
    ).then(upsert, (failure: unknown) => {
      if (!controller.signal.aborted) setMissing(failure);
    });
    return () => controller.abort();
  }, [conversationId, loading, items, upsert]);

  useEffect(() => {
    document.title = "Messages · CodePark";
  }, []);

  return (
    <section className="messages-page">
      <h1 className="visually-hidden">Messages</h1>
      <ErrorMessage error={missing} />
      <ErrorMessage error={projects.error} />
      <ChatPanel
        socket={socket}
        self={self}
        conversations={conversations}
        projectId={null}
        projectNames={projectNames}
        selectedId={conversationId}
        onSelect={(id) => navigate(`/messages/${encodeURIComponent(id)}`, { replace: true })}
      />
    </section>
  );
}
