import type { ProjectEventName, ProjectLeftEvent, RealtimeProjectEvent } from "@codepark/protocol";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../api/client.ts";
import type { Project } from "../api/types.ts";
import { useSession } from "../api/use-session.ts";
import { useConversations } from "../chat/use-conversations.ts";
import { Link, navigate, useLocation } from "../router.tsx";
import { ErrorBoundary } from "../ui/error-boundary.tsx";
import { ErrorMessage, Notice, Spinner } from "../ui/feedback.tsx";
import { Header } from "../ui/header.tsx";
import { Icon } from "../ui/icons.tsx";
import { useAsync } from "../ui/use-async.ts";
import type { ConnectionState } from "./connection.ts";
import { FileTree } from "./file-tree.tsx";
import { ConnectionIndicator, PresenceBar } from "./presence-bar.tsx";
import { Tabs } from "./tabs.tsx";
import { useFiles } from "./use-files.ts";
import { useProjectSocket } from "./use-project-socket.ts";
import { useTabs } from "./use-tabs.ts";
// panels.css first: workspace.css ends with the narrow-screen rules that override both.
import "../styles/panels.css";
import "../styles/workspace.css";

// Monaco (and Yjs) load on demand: the workspace shell renders first.
const CollabEditor = lazy(() =>
  import("../editor/collab-editor.tsx").then((m) => ({ default: m.CollabEditor })),
);
// The chat panel (messages, composer, markdown) loads when first opened.
const ChatPanel = lazy(() => import("../chat/chat-panel.tsx").then((m) => ({ default: m.ChatPanel })));
const HistoryPanel = lazy(() =>
  import("../editor/history-panel.tsx").then((m) => ({ default: m.HistoryPanel })),
);

export function WorkspacePage({ projectId }: { projectId: string }) {
  const session = useSession();
  const { query } = useLocation();
  const project = useAsync((signal) => api.get<Project>(`/projects/${projectId}`, signal), [projectId]);
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
      const data = event as RealtimeProjectEvent<ProjectEventName>;
      if (name === "file.created" || name === "file.updated" || name === "file.renamed") {
        if ("file" in data) files.applyFile({ ...data.file, createdAt: data.file.updatedAt });
      } else if (name === "file.deleted" && "fileId" in data) {
        files.removeFile(data.fileId);
        if (event.actorId !== selfId && "path" in data)
          setNotice(`${data.path} was deleted by another member.`);
      } else if (name === "project.updated") {
        project.reload();
      } else if (name === "project.deleted") {
        setGone("This project was deleted.");
      } else if ((name === "member.role_changed" || name === "member.added") && "userId" in data) {
        if (data.userId === selfId) project.reload();
      }
    },
    [files.applyFile, files.removeFile, project.reload, selfId],
  );
  const onLeft = useCallback((event: ProjectLeftEvent) => {
    setGone(
      event.reason === "project_deleted"
        ? "This project was deleted."
        : "You no longer have access to this project.",
    );
  }, []);
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

  if (gone) {
    return (
      <div className="page">
        <Header />
        <main className="page-main" id="main">
          <ErrorMessage error={new Error(gone)} />
          <Link href="/">Back to your projects</Link>
        </main>
      </div>
    );
  }
  if (project.loading && !project.data) return <Spinner label="Opening the project…" />;
  if (!project.data) {
    return (
      <div className="page">
        <Header />
        <main className="page-main" id="main">
          <ErrorMessage error={project.error} />
          <Link href="/">Back to your projects</Link>
        </main>
      </div>
    );
  }

  const role = project.data.role;
  const readOnly = !(role === "owner" || role === "editor" || session?.user.role === "admin");
  const activeFile = files.files.find((file) => file.id === tabs.activeId) ?? null;
  const openFile = (file: { id: string }) => {
    tabs.open(file.id);
    setTreeOpen(false);
  };

  return (
    <div className={`workspace${treeOpen ? " tree-open" : ""}`}>
      <Header>
        <button
          type="button"
          className="tree-toggle"
          aria-expanded={treeOpen}
          aria-controls="file-sidebar"
          onClick={() => setTreeOpen((open) => !open)}
        >
          Files
        </button>
        <h1 className="workspace-title">{project.data.name}</h1>
        <PresenceBar presence={realtime.presence} files={files.files} selfId={selfId} />
        <ConnectionIndicator
          state={tabs.activeId ? (states[tabs.activeId] ?? null) : null}
          realtime={realtime.status}
        />
        <button
          type="button"
          className="chat-toggle"
          aria-expanded={chatOpen}
          aria-controls="chat-panel"
          onClick={() => (chatOpen ? closeChat() : setChatOpen(true))}
          data-testid="chat-toggle"
        >
          <Icon name="chat" /> <span className="chat-toggle-label">Chat</span>
          {conversations.totalUnread > 0 && (
            <span className="chat-toggle-count">
              {conversations.totalUnread > 99 ? "99+" : conversations.totalUnread}
              <span className="visually-hidden"> unread</span>
            </span>
          )}
        </button>
      </Header>
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
        <main className="editor-area" id="main">
          <div className="editor-toolbar">
            <Tabs
              files={tabs.openFiles}
              activeFileId={tabs.activeId}
              onSelect={tabs.setActive}
              onClose={tabs.close}
            />
            {activeFile && (
              <button
                type="button"
                className="history-toggle"
                aria-pressed={historyOpen}
                onClick={() => setHistoryOpen((open) => !open)}
              >
                History
              </button>
            )}
          </div>
          {tabs.openFiles.length === 0 && (
            <div className="editor-empty">
              <Notice>
                {files.files.length
                  ? "Open a file from the tree to start editing."
                  : "Create a file to start."}
              </Notice>
            </div>
          )}
          {tabs.openFiles.length > 0 && (
            <ErrorBoundary what="the editor">
              <Suspense fallback={<Spinner label="Loading the editor…" />}>
                <CollabEditor
                  files={tabs.openFiles}
                  activeFileId={tabs.activeId}
                  readOnly={readOnly}
                  onState={onState}
                />
              </Suspense>
            </ErrorBoundary>
          )}
        </main>
        {chatOpen && (
          <aside className="chat-sidebar">
            <ErrorBoundary what="the chat">
              <Suspense fallback={<Spinner label="Loading the chat…" />}>
                <ChatPanel
                  socket={realtime.socket}
                  self={self}
                  conversations={conversations}
                  projectId={projectId}
                  projectNames={projectNames}
                  onClose={closeChat}
                  canPostInChannel={Boolean(role) || session?.user.role === "admin"}
                />
              </Suspense>
            </ErrorBoundary>
          </aside>
        )}
        {historyOpen && activeFile && (
          <aside className="history-sidebar">
            <ErrorBoundary what="the history">
              <Suspense fallback={<Spinner label="Loading history…" />}>
                <HistoryPanel
                  key={activeFile.id}
                  projectId={projectId}
                  file={activeFile}
                  readOnly={readOnly}
                  onClose={() => setHistoryOpen(false)}
                />
              </Suspense>
            </ErrorBoundary>
          </aside>
        )}
      </div>
    </div>
  );
}
