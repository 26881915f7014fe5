import type { ProjectEventName, ProjectLeftEvent, RealtimeProjectEvent } from "@codepark/protocol";
import { lazy, useCallback, useEffect, useMemo, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { useSession } from "../api/use-session.ts";
import { useConversations } from "../chat/use-conversations.ts";
import { Link, navigate, useLocation } from "../router.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { Header } from "../ui/header.tsx";
import { Icon } from "../ui/icons.tsx";
import { LazyRegion } from "../ui/lazy-region.tsx";
import { useAsync } from "../ui/use-async.ts";
import type { ConnectionState } from "./connection.ts";
import { EditorArea } from "./editor-area.tsx";
import { FileTree } from "./file-tree.tsx";
import { useFiles } from "./use-files.ts";
import { useProjectSocket } from "./use-project-socket.ts";
import { useTabs } from "./use-tabs.ts";
import { WorkspaceHeader } from "./workspace-header.tsx";
import { canEditFiles, canPostInChannel, leftMessage, workspaceEffect } from "./workspace-model.ts";
// panels.css first: workspace.css ends with the narrow-screen rules that override both.
import "../styles/panels.css";
import "../styles/workspace.css";

// The chat panel (messages, composer, markdown) loads when first opened.
const ChatPanel = lazy(() => import("../chat/chat-panel.tsx").then((m) => ({ default: m.ChatPanel })));
const HistoryPanel = lazy(() =>
  import("../editor/history-panel.tsx").then((m) => ({ default: m.HistoryPanel })),
);

export function WorkspacePage({ projectId }: { projectId: string }) {
  const session = useSession();
  const { query } = useLocation();
  const project = useAsync(
    (signal) => call(apiRoutes.projects.get, { params: { id: projectId } }, { signal }),
    [projectId],
  );
  const files = useFiles(projectId);
  const tabs = useTabs(projectId, files.files, !files.loading && !files.error, query.get("file"));
  const [states, setStates] = useState<Record<string, ConnectionState>>({});
  const [treeOpen, setTreeOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const wantsChat = query.get("chat") === "1";
  const [chatOpen, setChatOpen] = useState(wantsChat);
  const [gone, setGone] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const selfId = session?.user.id ?? "";

  const onEvent = useCallback(
    <K extends ProjectEventName>(name: K, event: RealtimeProjectEvent<K>) => {
      const effect = workspaceEffect(name, event, selfId);
      if (effect.kind === "file-changed") files.applyFile(effect.file);
      else if (effect.kind === "file-removed") {
        files.removeFile(effect.fileId);
        if (effect.notice) setNotice(effect.notice);
      } else if (effect.kind === "reload-project") project.reload();
      else if (effect.kind === "gone") setGone(effect.message);
    },
    [files.applyFile, files.removeFile, project.reload, selfId],
  );
  const onLeft = useCallback((event: ProjectLeftEvent) => setGone(leftMessage(event)), []);
  const realtime = useProjectSocket(projectId, onEvent, onLeft);
  const conversations = useConversations(realtime.socket, selfId, projectId);
  const self = useMemo(() => ({ id: selfId, name: session?.user.name ?? "" }), [selfId, session?.user.name]);
  const projectNames = useMemo(
    () => new Map(project.data ? [[projectId, project.data.name]] : []),
    [projectId, project.data],
  );

  // A link with ?chat=1 (a mention notification) opens the chat.
  useEffect(() => {
    if (wantsChat) setChatOpen(true);
  }, [wantsChat]);
  const closeChat = useCallback(() => {
    setChatOpen(false);
    if (new URLSearchParams(window.location.search).has("chat")) {
      const url = new URL(window.location.href);
      url.searchParams.delete("chat");
      navigate(url.pathname + url.search, { replace: true });
    }
  }, []);

  useEffect(() => realtime.setOpenFile(tabs.activeId), [realtime.setOpenFile, tabs.activeId]);
  useEffect(() => {
    document.title = project.data ? `${project.data.name} · CodePark` : "CodePark";
  }, [project.data]);

  const onState = useCallback(
    (fileId: string, state: ConnectionState) => setStates((current) => ({ ...current, [fileId]: state })),
    [],
  );

  if (gone) return <WorkspaceUnavailable error={new Error(gone)} />;
  if (project.loading && !project.data) return <Spinner label="Opening the project…" />;
  if (!project.data) return <WorkspaceUnavailable error={project.error} />;

  const role = project.data.role;
  const readOnly = !canEditFiles(role, session?.user.role);
  const activeFile = files.files.find((file) => file.id === tabs.activeId) ?? null;
  const openFile = (file: { id: string }) => {
    tabs.open(file.id);
    setTreeOpen(false);
  };

  return (
    <div className={`workspace${treeOpen ? " tree-open" : ""}`}>
      <WorkspaceHeader
        title={project.data.name}
        treeOpen={treeOpen}
        onToggleTree={() => setTreeOpen((open) => !open)}
        presence={realtime.presence}
        files={files.files}
        selfId={selfId}
        connection={tabs.activeId ? (states[tabs.activeId] ?? null) : null}
        realtime={realtime.status}
        chatOpen={chatOpen}
        onToggleChat={() => (chatOpen ? closeChat() : setChatOpen(true))}
        unread={conversations.totalUnread}
      />
      {readOnly && (
        <div className="readonly-banner" role="status" data-testid="readonly-banner">
          <Icon name="lock" /> Read-only: you are {role ? `a ${role}` : "not a member"} in this project, so
          you can read files but not change them.
        </div>
      )}
      {realtime.error && <ErrorMessage error={new Error(realtime.error)} />}
      {notice && <ErrorMessage error={new Error(notice)} onDismiss={() => setNotice(null)} />}
      <div className="workspace-body">
        <aside id="file-sidebar" className="sidebar">
          <FileTree files={files} activeFileId={tabs.activeId} readOnly={readOnly} onOpen={openFile} />
          <p className="sidebar-links">
            <Link href={`/projects/${projectId}/settings`}>Project settings &amp; members</Link>
          </p>
        </aside>
        <EditorArea
          openFiles={tabs.openFiles}
          activeFileId={tabs.activeId}
          onSelect={tabs.setActive}
          onClose={tabs.close}
          hasFiles={files.files.length > 0}
          readOnly={readOnly}
          onState={onState}
          historyAvailable={activeFile !== null}
          historyOpen={historyOpen}
          onToggleHistory={() => setHistoryOpen((open) => !open)}
        />
        {chatOpen && (
          <aside className="chat-sidebar">
            <LazyRegion what="the chat" loading="Loading the chat…">
              <ChatPanel
                socket={realtime.socket}
                self={self}
                conversations={conversations}
                projectId={projectId}
                projectNames={projectNames}
                onClose={closeChat}
                canPostInChannel={canPostInChannel(role, session?.user.role)}
              />
            </LazyRegion>
          </aside>
        )}
        {historyOpen && activeFile && (
          <aside className="history-sidebar">
            <LazyRegion what="the history" loading="Loading history…">
              <HistoryPanel
                key={activeFile.id}
                projectId={projectId}
                file={activeFile}
                readOnly={readOnly}
                onClose={() => setHistoryOpen(false)}
              />
            </LazyRegion>
          </aside>
        )}
      </div>
    </div>
  );
}

/** The page when the project cannot be shown (deleted, access lost, failed to load). */
function WorkspaceUnavailable({ error }: { error: unknown }) {
  return (
    <div className="page">
      <Header />
      <main className="page-main" id="main">
        <ErrorMessage error={error} />
        <Link href="/">Back to your projects</Link>
      </main>
    </div>
  );
}
