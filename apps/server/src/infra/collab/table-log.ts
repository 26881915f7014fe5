import type { PendingUpdate, UpdateLog } from "../../domain/collab/update-log.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import type { Database } from "../../domain/ports/database.ts";

/**
 * One statement for any number of updates (so PostgreSQL prepares it once), in arrival order.
 * Rows of files deleted meanwhile are dropped by the join instead of failing the whole group on the
 * foreign key: the document is gone, and its connections were closed with it.
 */
export const APPEND_UPDATES_SQL = `
  INSERT INTO doc_updates (file_id, update, created_at)
  SELECT t.file_id, t.update::bytea, $3
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(file_id, update, n)
  JOIN files ON files.id = t.file_id
  ORDER BY t.n`;

/**
 * Updates travel as bytea hex text (`\x0a1b…`): both drivers would otherwise build that text for a
 * bytea[] element by element, and PGlite's array serializer is the slowest part of a flush.
 */
export function appendParams(pending: readonly PendingUpdate[], now: Date): unknown[] {
  return [
    pending.map((p) => p.fileId),
    pending.map(
      (p) => `\\x${Buffer.from(p.update.buffer, p.update.byteOffset, p.update.byteLength).toString("hex")}`,
    ),
    now,
  ];
}

/** Group commits straight into doc_updates: the update log of the primary store. */
export class TableLog implements UpdateLog {
  constructor(
    private readonly database: Pick<Database, "executeAppend">,
    private readonly clock: Clock,
  ) {}

  async append(pending: readonly PendingUpdate[]): Promise<void> {
    if (pending.length === 0) return;
    await this.database.executeAppend(
      APPEND_UPDATES_SQL,
      appendParams(pending, this.clock.now()),
      "collab_append",
    );
  }

  async settle(): Promise<void> {}

  /** The compaction deleted this file's rows itself. */
  compacted(): void {}

  /** Every update is in the table already: there is never a backlog. */
  onBacklog(): void {}

  async close(): Promise<void> {}
}
