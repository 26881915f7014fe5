import { lazy } from "react";
import type { FileInfo } from "../api/types.ts";
import { Notice } from "../ui/feedback.tsx";
import { LazyRegion } from "../ui/lazy-region.tsx";
import type { ConnectionState } from "./connection.ts";
import { Tabs } from "./tabs.tsx";

// Monaco (and Yjs) load on demand: the workspace shell renders first.
const CollabEditor = lazy(() =>
  import("../editor/collab-editor.tsx").then((m) => ({ default: m.CollabEditor })),
);

/** The tabs of the open files, the history toggle, and the editor (or a hint when nothing is open). */
export function EditorArea({
  openFiles,
  activeFileId,
  onSelect,
  onClose,
  hasFiles,
  readOnly,
  onState,
  historyAvailable,
  historyOpen,
  onToggleHistory,
}: {
  openFiles: FileInfo[];
  activeFileId: string | null;
  onSelect: (fileId: string) => void;
  onClose: (fileId: string) => void;
  /** Whether the project has any file (the hint differs). */
  hasFiles: boolean;
  readOnly: boolean;
  onState: (fileId: string, state: ConnectionState) => void;
  /** A file is active, so it has a history to show. */
  historyAvailable: boolean;
  historyOpen: boolean;
  onToggleHistory: () => void;
}) {
  return (
    <main className="editor-area" id="main">
      <div className="editor-toolbar">
        <Tabs files={openFiles} activeFileId={activeFileId} onSelect={onSelect} onClose={onClose} />
        {historyAvailable && (
          <button
            type="button"
            className="history-toggle"
            aria-pressed={historyOpen}
            onClick={onToggleHistory}
          >
            History
          </button>
        )}
      </div>
      {openFiles.length === 0 ? (
        <div className="editor-empty">
          <Notice>
            {hasFiles ? "Open a file from the tree to start editing." : "Create a file to start."}
          </Notice>
        </div>
      ) : (
        <LazyRegion what="the editor" loading="Loading the editor…">
          <CollabEditor files={openFiles} activeFileId={activeFileId} readOnly={readOnly} onState={onState} />
        </LazyRegion>
      )}
    </main>
  );
}
