import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { instanceSecrets } from "../../domain/auth/schema.ts";
import type { Db } from "../../domain/ports/database.ts";

/**
 * Returns the named 32-byte secret, generating it on first start. Kept in the primary store so a
 * restart, and every node on a shared PostgreSQL, accepts what another issued.
 */
export async function loadOrCreateSecret(db: Db, name: string, now: Date): Promise<Buffer> {
  const value = await loadOrCreateInstanceValue(db, name, now, () => randomBytes(32).toString("base64url"));
  return Buffer.from(value, "base64url");
}

/**
 * The stored text under `name` (any encoding the caller chooses, e.g. JSON), created from
 * `generate()` on first start. Insert-if-absent then read makes concurrent first starts agree on
 * one value: a node whose insert lost returns the winner's value, not its own.
 */
export async function loadOrCreateInstanceValue(
  db: Db,
  name: string,
  now: Date,
  generate: () => string,
): Promise<string> {
  await db.insert(instanceSecrets).values({ name, value: generate(), createdAt: now }).onConflictDoNothing();
  const [row] = await db.select().from(instanceSecrets).where(eq(instanceSecrets.name, name));
  if (!row) throw new Error(`instance secret ${name} missing after insert`);
  return row.value;
}

/** Accepts base64 or base64url for a configured key. */
export function decodeKey(value: string): Buffer {
  return Buffer.from(value.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
}
