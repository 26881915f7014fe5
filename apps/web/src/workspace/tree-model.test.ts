import { describe, expect, it } from "vitest";
import type { FileInfo } from "../api/types.ts";
import {
  baseName,
  buildTree,
  type FolderNode,
  folderPathProblem,
  isUnder,
  normalisePath,
  parentOf,
  type TreeNode,
} from "./tree-model.ts";

const file = (path: string) => ({ id: `fil_${path}`, path }) as FileInfo;

/** The tree as indented lines: "dir/ (n)" for folders with their file count, names for files. */
function outline(node: TreeNode, depth = 0): string[] {
  if (node.kind === "file") return [`${"  ".repeat(depth)}${node.name}`];
  const self =
    depth === 0 && node.path === "" ? [] : [`${"  ".repeat(depth)}${node.name}/ (${node.fileCount})`];
  return [...self, ...node.children.flatMap((child) => outline(child, node.path === "" ? depth : depth + 1))];
}

describe("buildTree", () => {
  it("implies folders from paths, folders first, then files, each by name", () => {
    const root = buildTree(
      [file("b.ts"), file("src/z.ts"), file("src/lib/a.ts"), file("a.md"), file("docs/x.md")],
      [],
    );
    expect(outline(root)).toEqual([
      "docs/ (1)",
      "  x.md",
      "src/ (2)",
      "  lib/ (1)",
      "    a.ts",
      "  z.ts",
      "a.md",
      "b.ts",
    ]);
    expect(root.fileCount).toBe(5);
  });

  it("adds folders that exist only on this client, empty, and ignores the root", () => {
    const root = buildTree([file("src/a.ts")], ["notes/todo", "", "src"]);
    expect(outline(root)).toEqual(["notes/ (0)", "  todo/ (0)", "src/ (1)", "  a.ts"]);
    const todo = (root.children[0] as FolderNode).children[0] as FolderNode;
    expect(todo).toMatchObject({ kind: "folder", name: "todo", path: "notes/todo", children: [] });
  });

  it("keeps each file's info on its node", () => {
    const info = file("src/a.ts");
    const src = buildTree([info], []).children[0] as FolderNode;
    expect(src.children[0]).toEqual({ kind: "file", name: "a.ts", path: "src/a.ts", file: info });
  });

  it("is an empty root without files", () => {
    expect(buildTree([], [])).toEqual({ kind: "folder", name: "", path: "", children: [], fileCount: 0 });
  });
});

describe("paths", () => {
  it("splits parent and base names", () => {
    expect(parentOf("a/b/c.ts")).toBe("a/b");
    expect(parentOf("c.ts")).toBe("");
    expect(baseName("a/b/c.ts")).toBe("c.ts");
    expect(baseName("c.ts")).toBe("c.ts");
  });

  it("tells whether a path is inside a folder (not a folder with a longer name)", () => {
    expect(isUnder("src/a.ts", "src")).toBe(true);
    expect(isUnder("src2/a.ts", "src")).toBe(false);
    expect(isUnder("src", "src")).toBe(false);
    expect(isUnder("anything", "")).toBe(true);
  });

  it("normalises typed paths as the server does", () => {
    expect(normalisePath("  /a//b/c.ts/ ")).toBe("a/b/c.ts");
    expect(normalisePath("///")).toBe("");
  });

  it("refuses folder names the server would refuse, saying why", () => {
    expect(folderPathProblem("docs/notes")).toBeNull();
    expect(folderPathProblem("")).toBe("Give the folder a name.");
    expect(folderPathProblem("a/../b")).toMatch(/'\.\.'/);
    expect(folderPathProblem("a/./b")).toMatch(/'\.'/);
    expect(folderPathProblem("what?")).toMatch(/cannot contain/);
    expect(folderPathProblem("tab\there")).toMatch(/control characters/);
  });
});
