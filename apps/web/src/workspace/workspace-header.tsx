import type { FileInfo, PresenceState } from "../api/types.ts";
import { Header } from "../ui/header.tsx";
import { Icon } from "../ui/icons.tsx";
import type { ConnectionState } from "./connection.ts";
import { ConnectionIndicator, PresenceBar } from "./presence-bar.tsx";
import type { RealtimeStatus } from "./use-project-socket.ts";
import { badgeCount } from "./workspace-model.ts";

/** The workspace's top bar: the file-tree toggle (narrow screens), title, who is here, connection, chat. */
export function WorkspaceHeader({
  title,
  treeOpen,
  onToggleTree,
  presence,
  files,
  selfId,
  connection,
  realtime,
  chatOpen,
  onToggleChat,
  unread,
}: {
  title: string;
  treeOpen: boolean;
  onToggleTree: () => void;
  presence: Map<string, PresenceState>;
  files: FileInfo[];
  selfId: string;
  /** The open file's live document, if a file is open. */
  connection: ConnectionState | null;
  realtime: RealtimeStatus;
  chatOpen: boolean;
  onToggleChat: () => void;
  unread: number;
}) {
  return (
    <Header>
      <button
        type="button"
        className="tree-toggle"
        aria-expanded={treeOpen}
        aria-controls="file-sidebar"
        onClick={onToggleTree}
      >
        Files
      </button>
      <h1 className="workspace-title">{title}</h1>
      <PresenceBar presence={presence} files={files} selfId={selfId} />
      <ConnectionIndicator state={connection} realtime={realtime} />
      <button
        type="button"
        className="chat-toggle"
        aria-expanded={chatOpen}
        aria-controls="chat-panel"
        onClick={onToggleChat}
        data-testid="chat-toggle"
      >
        <Icon name="chat" /> <span className="chat-toggle-label">Chat</span>
        {unread > 0 && (
          <span className="chat-toggle-count">
            {badgeCount(unread)}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </button>
    </Header>
  );
}
