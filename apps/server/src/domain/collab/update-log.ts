export interface PendingUpdate {
  fileId: string;
  update: Uint8Array;
}

/**
 * Where accepted updates become durable (a port: the implementations are in infra/collab). The
 * manager broadcasts nothing before append() resolves; readers of doc_updates (load, compaction)
 * call settle() first.
 */
export interface UpdateLog {
  /** Resolves once the updates survive a crash of this process. */
  append(pending: readonly PendingUpdate[]): Promise<void>;
  /** Resolves once everything appended so far can be read from doc_updates. */
  settle(): Promise<void>;
  /**
   * Everything appended so far for this file is in its snapshot now (a compaction from memory):
   * copies the log still holds in front of the table need not be moved into it.
   */
  compacted(fileId: string): void;
  /**
   * A log that keeps updates in front of the table (the embedded journal) calls `relieve` before it
   * moves a backlog there, with the files it holds updates of, most first: compacting those whose
   * live document is due anyway folds their updates into the snapshot (see compacted()), which
   * costs less than moving them and compacting later. Logs without a backlog ignore it.
   */
  onBacklog(relieve: (fileIds: readonly string[]) => Promise<void>): void;
  close(): Promise<void>;
}
