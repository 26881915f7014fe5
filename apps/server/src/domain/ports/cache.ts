/**
 * A cache-aside layer in front of the primary store for the reads every request makes (session,
 * user, API key, project and membership: who may do what). In-process LRU on one node
 * (infra/cache/memory-cache.ts), Redis shared by every node (infra/cache/redis-cache.ts).
 * Contract: infra/cache/cache.contract.test.ts.
 *
 * Keys are `family:id…`; the family (before the first colon) labels the hit and miss counts. Values
 * must survive JSON (Dates as ISO strings or numbers): what comes back is a parsed copy, and
 * read-only (the in-process cache hands every hit the same deep-frozen object: never mutate it).
 *
 * Exactness is the caller's half of the contract: a command that changes cached data invalidates
 * its keys after it commits and before it returns (each family's keys live in one domain module:
 * `auth/session-cache.ts`, `users/user-cache.ts`, `auth/api-key-cache.ts`, `projects/access-cache.ts`,
 * `chat/conversation-cache.ts`).
 * The cache's half is the race guard in `fill`.
 */
export interface Cache {
  /** False when caching is off (CACHE_TTL_SECONDS=0): callers may then read with their joined queries. */
  readonly enabled: boolean;
  /** The cached value, or undefined (a miss). */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * The cached value, or else `load()`'s, stored for the configured TTL unless it is undefined
   * (nothing to remember, e.g. "not found" where absence is not worth caching). Race guard: the key's
   * generation is read (created if absent) with the miss, and the value is stored only if that
   * generation is still the key's, atomically; `invalidate` replaces it. So a load that read the
   * store before a writer committed, and finishes after the writer invalidated, never stores its
   * stale value. Also not stored: a load slower than the implementation's fill window.
   */
  fill<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Drops the keys and their generations on every node: the next read of each misses. */
  invalidate(keys: readonly string[]): Promise<void>;
}
