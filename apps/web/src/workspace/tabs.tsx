import type { KeyboardEvent } from "react";
import type { FileInfo } from "../api/types.ts";
import { baseName } from "./tree-model.ts";

/** Open files. Each tab is a button; its close button is separate, and Delete closes the focused tab. */
export function Tabs({
  files,
  activeFileId,
  onSelect,
  onClose,
}: {
  files: FileInfo[];
  activeFileId: string | null;
  onSelect: (fileId: string) => void;
  onClose: (fileId: string) => void;
}) {
  if (files.length === 0) return null;
  const onKey = (event: KeyboardEvent, fileId: string) => {
    if (event.key === "Delete") {
      event.preventDefault();
      onClose(fileId);
    }
  };
  return (
    <div className="tabs" role="tablist" aria-label="Open files">
      {files.map((file) => {
        const active = file.id === activeFileId;
        return (
          <div key={file.id} className={`tab${active ? " active" : ""}`}>
            <button
              type="button"
              role="tab"
              aria-selected={active}
              title={file.path}
              onClick={() => onSelect(file.id)}
              onKeyDown={(event) => onKey(event, file.id)}
              onAuxClick={(event) => event.button === 1 && onClose(file.id)}
            >
              {baseName(file.path)}
            </button>
            <button
              type="button"
              className="tab-close"
              aria-label={`Close ${file.path}`}
              title={`Close ${file.path}`}
              onClick={() => onClose(file.id)}
            >
              <span aria-hidden="true">×</span>
            </button>
          </div>
        );
      })}
    </div>
  );
}
