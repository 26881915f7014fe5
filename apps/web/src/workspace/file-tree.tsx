import { useMemo, useState } from "react";
import type { FileInfo } from "../api/types.ts";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { Icon } from "../ui/icons.tsx";
import { type TreeDialog, TreeDialogs } from "./tree-dialogs.tsx";
import { buildTree, type FolderNode, type TreeNode } from "./tree-model.ts";
import type { FilesApi } from "./use-files.ts";

interface Props {
  files: FilesApi;
  activeFileId: string | null;
  readOnly: boolean;
  onOpen: (file: FileInfo) => void;
}

/** The project's files as folders; each row is a real button, actions appear on hover and focus. */
export function FileTree({ files, activeFileId, readOnly, onOpen }: Props) {
  const tree = useMemo(() => buildTree(files.files, files.extraFolders), [files.files, files.extraFolders]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<TreeDialog | null>(null);
  const toggle = (path: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  return (
    <nav className="file-tree" aria-label="Files">
      <div className="tree-toolbar">
        <h2>Files</h2>
        {!readOnly && (
          <>
            <button type="button" onClick={() => setDialog({ kind: "new-file", folder: "" })}>
              New file
            </button>
            <button type="button" onClick={() => setDialog({ kind: "new-folder", folder: "" })}>
              New folder
            </button>
          </>
        )}
      </div>
      {files.loading && <Spinner label="Loading files…" />}
      <ErrorMessage error={files.error} />
      {!files.loading && tree.children.length === 0 && (
        <p className="muted tree-empty">
          {readOnly ? "This project has no files." : "No files yet: create one."}
        </p>
      )}
      <TreeLevel
        nodes={tree.children}
        depth={0}
        collapsed={collapsed}
        activeFileId={activeFileId}
        readOnly={readOnly}
        onToggle={toggle}
        onOpen={onOpen}
        onAction={setDialog}
      />
      {dialog && (
        <TreeDialogs dialog={dialog} files={files} onOpen={onOpen} onClose={() => setDialog(null)} />
      )}
    </nav>
  );
}

function TreeLevel(props: {
  nodes: TreeNode[];
  depth: number;
  collapsed: Set<string>;
  activeFileId: string | null;
  readOnly: boolean;
  onToggle: (path: string) => void;
  onOpen: (file: FileInfo) => void;
  onAction: (dialog: TreeDialog) => void;
}) {
  const { nodes, depth, collapsed, activeFileId, readOnly, onToggle, onOpen, onAction } = props;
  return (
    <ul className="tree-level">
      {nodes.map((node) =>
        node.kind === "folder" ? (
          <li key={`d:${node.path}`}>
            <div className="tree-row" style={{ paddingLeft: `${depth * 14 + 4}px` }}>
              <button
                type="button"
                className="tree-item folder"
                aria-expanded={!collapsed.has(node.path)}
                onClick={() => onToggle(node.path)}
              >
                <span className="tree-caret" aria-hidden="true">
                  {collapsed.has(node.path) ? "▸" : "▾"}
                </span>
                {node.name}
              </button>
              {!readOnly && <FolderActions folder={node} onAction={onAction} />}
            </div>
            {!collapsed.has(node.path) && <TreeLevel {...props} nodes={node.children} depth={depth + 1} />}
          </li>
        ) : (
          <li key={node.file.id}>
            <div className="tree-row" style={{ paddingLeft: `${depth * 14 + 18}px` }}>
              <button
                type="button"
                className="tree-item file"
                aria-current={node.file.id === activeFileId ? "true" : undefined}
                title={node.path}
                onClick={() => onOpen(node.file)}
              >
                {node.name}
              </button>
              {!readOnly && (
                <span className="row-actions">
                  <IconButton
                    label={`Rename or move ${node.path}`}
                    onClick={() => onAction({ kind: "rename-file", file: node.file })}
                    icon="pencil"
                  />
                  <IconButton
                    label={`Delete ${node.path}`}
                    onClick={() => onAction({ kind: "delete-file", file: node.file })}
                    icon="trash"
                  />
                </span>
              )}
            </div>
          </li>
        ),
      )}
    </ul>
  );
}

function FolderActions({ folder, onAction }: { folder: FolderNode; onAction: (dialog: TreeDialog) => void }) {
  return (
    <span className="row-actions">
      <IconButton
        label={`New file in ${folder.path}`}
        onClick={() => onAction({ kind: "new-file", folder: folder.path })}
        icon="plus"
      />
      <IconButton
        label={`Rename or move folder ${folder.path}`}
        onClick={() => onAction({ kind: "rename-folder", folder })}
        icon="pencil"
      />
      <IconButton
        label={`Delete folder ${folder.path}`}
        onClick={() => onAction({ kind: "delete-folder", folder })}
        icon="trash"
      />
    </span>
  );
}

function IconButton({
  label,
  onClick,
  icon,
}: {
  label: string;
  onClick: () => void;
  icon: "plus" | "pencil" | "trash";
}) {
  return (
    <button type="button" className="icon-button" aria-label={label} title={label} onClick={onClick}>
      <Icon name={icon} />
    </button>
  );
}
