import { useEffect, useRef, useState } from "react";
import type { FileInfo } from "../api/types.ts";
import type { ConnectionState } from "../workspace/connection.ts";
import { FileSession } from "./file-session.ts";
import { monaco } from "./monaco.ts";

export interface CollabEditorProps {
  /** Open tabs: each keeps a live session while open. */
  files: FileInfo[];
  activeFileId: string | null;
  readOnly: boolean;
  onState: (fileId: string, state: ConnectionState) => void;
}

/** One Monaco editor showing the active tab's live document; background tabs stay in sync. */
export function CollabEditor({ files, activeFileId, readOnly, onState }: CollabEditorProps) {
  const container = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor | null>(null);
  const sessions = useRef(new Map<string, { session: FileSession; stop: () => void }>());
  const shown = useRef<FileSession | null>(null);
  const onStateRef = useRef(onState);
  onStateRef.current = onState;

  useEffect(() => {
    const created = monaco.editor.create(container.current!, {
      model: null,
      theme: "vs-dark",
      automaticLayout: true,
      fontSize: 14,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      tabSize: 2,
      ariaLabel: "Code editor",
      readOnlyMessage: { value: "You can read this project but not edit it." },
    });
    setEditor(created);
    const open = sessions.current;
    return () => {
      for (const { session, stop } of open.values()) {
        stop();
        session.destroy();
      }
      open.clear();
      shown.current = null;
      created.dispose();
    };
  }, []);

  // Open sessions for new tabs, close those of closed tabs, follow renames.
  useEffect(() => {
    if (!editor) return;
    const open = sessions.current;
    const wanted = new Map(files.map((file) => [file.id, file]));
    for (const [fileId, entry] of open) {
      if (wanted.has(fileId)) continue;
      entry.stop();
      entry.session.destroy();
      open.delete(fileId);
      if (shown.current === entry.session) shown.current = null;
    }
    for (const file of files) {
      const existing = open.get(file.id);
      if (existing) {
        existing.session.setFile(file);
        continue;
      }
      const session = new FileSession(file, editor);
      const stop = session.onState((state) => onStateRef.current(file.id, state));
      open.set(file.id, { session, stop });
    }
  }, [editor, files]);

  // Show the active tab, keeping each tab's scroll position and selection. `files` is a dependency:
  // a newly opened tab's session is created by the effect above in the same render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (!editor) return;
    const next = activeFileId ? (sessions.current.get(activeFileId)?.session ?? null) : null;
    if (shown.current === next) return;
    if (shown.current) shown.current.viewState = editor.saveViewState();
    shown.current = next;
    editor.setModel(next?.model ?? null);
    if (next?.viewState) editor.restoreViewState(next.viewState);
    if (next) editor.focus();
  }, [editor, activeFileId, files]);

  useEffect(() => {
    editor?.updateOptions({ readOnly, domReadOnly: readOnly });
  }, [editor, readOnly]);

  return (
    <div
      className="monaco-host"
      ref={container}
      data-testid="editor"
      data-file-id={activeFileId ?? ""}
      data-readonly={readOnly ? "true" : "false"}
    />
  );
}
