import type { FileInfo } from "../api/types.ts";

export interface FolderNode {
  kind: "folder";
  name: string;
  path: string;
  children: TreeNode[];
  /** Files anywhere below this folder. */
  fileCount: number;
}

export interface FileNode {
  kind: "file";
  name: string;
  path: string;
  file: FileInfo;
}

export type TreeNode = FolderNode | FileNode;

/**
 * Builds the folder tree from file paths (folders are implied by paths) plus folders that exist only
 * on this client until a file is created in them. Folders first, then files, each by name.
 */
export function buildTree(files: FileInfo[], extraFolders: Iterable<string>): FolderNode {
  const root: FolderNode = { kind: "folder", name: "", path: "", children: [], fileCount: 0 };
  const folders = new Map<string, FolderNode>([["", root]]);

  const folderAt = (path: string): FolderNode => {
    const existing = folders.get(path);
    if (existing) return existing;
    const slash = path.lastIndexOf("/");
    const parent = folderAt(slash < 0 ? "" : path.slice(0, slash));
    const node: FolderNode = {
      kind: "folder",
      name: path.slice(slash + 1),
      path,
      children: [],
      fileCount: 0,
    };
    parent.children.push(node);
    folders.set(path, node);
    return node;
  };

  for (const folder of extraFolders) if (folder) folderAt(folder);
  for (const file of files) {
    const slash = file.path.lastIndexOf("/");
    const parentPath = slash < 0 ? "" : file.path.slice(0, slash);
    folderAt(parentPath).children.push({
      kind: "file",
      name: file.path.slice(slash + 1),
      path: file.path,
      file,
    });
    for (let path = parentPath; ; path = parentOf(path)) {
      folderAt(path).fileCount += 1;
      if (path === "") break;
    }
  }
  sortTree(root);
  return root;
}

function sortTree(folder: FolderNode): void {
  folder.children.sort((a, b) =>
    a.kind !== b.kind ? (a.kind === "folder" ? -1 : 1) : a.name.localeCompare(b.name),
  );
  for (const child of folder.children) if (child.kind === "folder") sortTree(child);
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function isUnder(path: string, folder: string): boolean {
  return folder === "" || path.startsWith(`${folder}/`);
}

/** Normalises a typed path the way the server does (`a//b/` → `a/b`); the server checks the rest. */
export function normalisePath(input: string): string {
  return input.trim().split("/").filter(Boolean).join("/");
}

/** A folder name typed by a person, checked before it exists only on this client. */
export function folderPathProblem(path: string): string | null {
  if (!path) return "Give the folder a name.";
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..") return "A path cannot contain '.' or '..' segments.";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\\:*?"<>|\u0000-\u001f]/.test(segment))
      return 'A path cannot contain \\ : * ? " < > | or control characters.';
  }
  return null;
}
