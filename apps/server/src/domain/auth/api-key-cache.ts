import type { ApiKeyScope } from "@codepark/protocol";
import { eq } from "drizzle-orm";
import type { CacheDeps, StoreDeps } from "../deps.ts";
import { apiKeys } from "./schema.ts";

/** What authenticate needs of an API key; lastUsedAt as epoch milliseconds (JSON-safe). */
export interface ApiKeyState {
  id: string;
  userId: string;
  scopes: ApiKeyScope[];
  lastUsedAt: number | null;
}

/**
 * The `api_key` cache family, keyed by the key's hash (what a request presents). The owner's role is
 * in the `user` family. Rule: deleting a key (auth/api-keys.ts deleteApiKey, the only revocation)
 * and writing its last_used_at (auth/authenticate.ts, at most once a minute) mark `apiKeyKeys`
 * stale. Unknown hashes are not cached, so guessing keys cannot push real entries out.
 */
const key = (keyHash: string) => `api_key:${keyHash}`;

export function apiKeyKeys(keyHash: string): string[] {
  return [key(keyHash)];
}

export function cachedApiKey(ctx: StoreDeps & CacheDeps, keyHash: string): Promise<ApiKeyState | undefined> {
  return ctx.cache.fill(key(keyHash), async () => {
    const [row] = await ctx.db
      .select({
        id: apiKeys.id,
        userId: apiKeys.userId,
        scopes: apiKeys.scopes,
        lastUsedAt: apiKeys.lastUsedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, keyHash));
    if (!row) return undefined;
    return {
      id: row.id,
      userId: row.userId,
      scopes: row.scopes as ApiKeyScope[],
      lastUsedAt: row.lastUsedAt?.getTime() ?? null,
    };
  });
}
