import type { FileSummary } from "@codepark/protocol";
import type { files } from "./schema.ts";

type FileRow = typeof files.$inferSelect;

export interface FileView {
  id: string;
  projectId: string;
  path: string;
  language: string;
  size: number;
  createdAt: string;
  updatedAt: string;
}

export interface FileWithContent extends FileView {
  content: string;
}

export const presentFile = (row: Omit<FileRow, "content">): FileView => ({
  id: row.id,
  projectId: row.projectId,
  path: row.path,
  language: row.language,
  size: row.size,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** A file as events carry it. */
export const summariseFile = (row: Omit<FileRow, "content">): FileSummary => ({
  id: row.id,
  projectId: row.projectId,
  path: row.path,
  language: row.language,
  size: row.size,
  updatedAt: row.updatedAt.toISOString(),
});
