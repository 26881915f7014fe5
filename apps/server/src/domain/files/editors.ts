import { sql } from "drizzle-orm";
import type { Executor } from "../ports/database.ts";

/**
 * Remembers who edited a file (file_editors), in the caller's transaction. Ids of people or a file
 * that no longer exist are skipped rather than failing the caller's change.
 */
export async function recordFileEditors(
  tx: Executor,
  fileId: string,
  userIds: readonly string[],
  at: Date,
): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  const ids = sql.join(
    unique.map((id) => sql`${id}`),
    sql`, `,
  );
  await tx.execute(sql`
    INSERT INTO file_editors (file_id, user_id, last_edited_at)
    SELECT files.id, users.id, ${at} FROM files, users
    WHERE files.id = ${fileId} AND users.id IN (${ids})
    ON CONFLICT (file_id, user_id)
      DO UPDATE SET last_edited_at = GREATEST(file_editors.last_edited_at, excluded.last_edited_at)`);
}
