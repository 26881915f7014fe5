import type { FileInfo } from "../api/types.ts";
import { ConfirmDialog, PromptDialog } from "../ui/dialog.tsx";
import { type FolderNode, isUnder } from "./tree-model.ts";
import type { FilesApi } from "./use-files.ts";

export type TreeDialog =
  | { kind: "new-file"; folder: string }
  | { kind: "new-folder"; folder: string }
  | { kind: "rename-file"; file: FileInfo }
  | { kind: "rename-folder"; folder: FolderNode }
  | { kind: "delete-file"; file: FileInfo }
  | { kind: "delete-folder"; folder: FolderNode };

const PATH_HINT = "Use / for folders, e.g. src/app.ts. Moving is renaming to another folder.";

export function TreeDialogs({
  dialog,
  files,
  onOpen,
  onClose,
}: {
  dialog: TreeDialog;
  files: FilesApi;
  onOpen: (file: FileInfo) => void;
  onClose: () => void;
}) {
  const prefix = (folder: string) => (folder ? `${folder}/` : "");
  switch (dialog.kind) {
    case "new-file":
      return (
        <PromptDialog
          title="New file"
          label="File path"
          initial={prefix(dialog.folder)}
          hint={PATH_HINT}
          submitLabel="Create file"
          onSubmit={async (path) => onOpen(await files.createFile(path))}
          onClose={onClose}
        />
      );
    case "new-folder":
      return (
        <PromptDialog
          title="New folder"
          label="Folder path"
          initial={prefix(dialog.folder)}
          hint="The folder is kept on this device until you create a file in it."
          submitLabel="Create folder"
          onSubmit={(path) => files.createFolder(path)}
          onClose={onClose}
        />
      );
    case "rename-file":
      return (
        <PromptDialog
          title={`Rename or move ${dialog.file.path}`}
          label="New path"
          initial={dialog.file.path}
          hint={PATH_HINT}
          submitLabel="Rename"
          onSubmit={(path) => files.renameFile(dialog.file, path)}
          onClose={onClose}
        />
      );
    case "rename-folder":
      return (
        <PromptDialog
          title={`Rename or move folder ${dialog.folder.path}`}
          label="New folder path"
          initial={dialog.folder.path}
          hint={`Moves the ${dialog.folder.fileCount} file(s) inside it.`}
          submitLabel="Rename folder"
          onSubmit={(path) => files.renameFolder(dialog.folder.path, path)}
          onClose={onClose}
        />
      );
    case "delete-file":
      return (
        <ConfirmDialog
          title={`Delete ${dialog.file.path}?`}
          message={<p>The file and its version history are deleted for everyone.</p>}
          confirmLabel="Delete file"
          onConfirm={() => files.deleteFile(dialog.file)}
          onClose={onClose}
        />
      );
    case "delete-folder": {
      const folder = dialog.folder;
      const doomed = files.files.filter((file) => isUnder(file.path, folder.path));
      return (
        <ConfirmDialog
          title={`Delete folder ${folder.path}?`}
          message={
            <p>
              {doomed.length === 0
                ? "The folder is empty."
                : `This deletes the ${doomed.length} file(s) inside it for everyone.`}
            </p>
          }
          confirmLabel="Delete folder"
          onConfirm={() => files.deleteFolder(folder.path)}
          onClose={onClose}
        />
      );
    }
  }
}
