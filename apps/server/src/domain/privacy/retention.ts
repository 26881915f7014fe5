import { and, eq, lt, or } from "drizzle-orm";
import type { Clock } from "../ports/clock.ts";
import type { Db } from "../ports/database.ts";
import { accountTokens } from "../users/schema.ts";
import { dataExports } from "./schema.ts";

const DAY_MS = 86_400_000;

/**
 * Maintenance: archives past their expiry are deleted (their download links stop working then, if
 * not before), failed exports after a day, and expired download tokens.
 */
export async function purgeExports(db: Db, clock: Clock): Promise<number> {
  const now = clock.now();
  const purged = await db
    .delete(dataExports)
    .where(
      or(
        lt(dataExports.expiresAt, now),
        and(eq(dataExports.status, "failed"), lt(dataExports.createdAt, new Date(now.getTime() - DAY_MS))),
      ),
    )
    .returning({ id: dataExports.id });
  await db
    .delete(accountTokens)
    .where(and(eq(accountTokens.purpose, "export_download"), lt(accountTokens.expiresAt, now)));
  return purged.length;
}
