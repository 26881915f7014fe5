import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../infra/db/database.ts";
import { instanceSecrets } from "./schema.ts";

/**
 * Returns the named 32-byte secret, generating it on first start. Kept in the primary store so a
 * restart, and every node on a shared PostgreSQL, accepts what another issued. Insert-if-absent
 * then read makes concurrent first starts agree on one value.
 */
export async function loadOrCreateSecret(db: Db, name: string, now: Date): Promise<Buffer> {
  await db
    .insert(instanceSecrets)
    .values({ name, value: randomBytes(32).toString("base64url"), createdAt: now })
    .onConflictDoNothing();
  const [row] = await db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name));
  if (!row) throw new Error(`instance secret ${name} missing after insert`);
  return Buffer.from(row.value, "base64url");
}

/** Accepts base64 or base64url for a configured key. */
export function decodeKey(value: string): Buffer {
  return Buffer.from(value.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
}
