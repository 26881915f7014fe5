import { eq } from "drizzle-orm";
import type { Clock } from "../ports/clock.ts";
import type { Executor } from "../ports/database.ts";
import { notificationCounters } from "./schema.ts";

/** A person's unread count as one committed transaction left it. */
export interface CounterValue {
  unread: number;
  /** notification_counters.version: higher is newer. */
  version: number;
}

export interface UnreadCacheOptions {
  /**
   * How long an entry is trusted. On one node every change to the counter passes through here, so
   * the cache is exact; with several nodes, a change committed elsewhere shows up after this long.
   */
  maxAgeMs: number;
  maxEntries: number;
}

/**
 * Unread counts served from memory. An entry is filled from notification_counters on a miss and
 * replaced with the value each transaction that changes the counter RETURNs, after it commits.
 * The counter row lock orders those transactions and `version` numbers them, so whatever order
 * their commits (or a concurrent miss-fill) are seen in, the newest value wins: the count is exact
 * after every create, read and read-all.
 */
export class UnreadCounts {
  readonly #entries = new Map<string, CounterValue & { at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: UnreadCacheOptions = { maxAgeMs: 30_000, maxEntries: 100_000 },
  ) {}

  async get(db: Executor, userId: string): Promise<number> {
    const hit = this.#entries.get(userId);
    if (hit && this.clock.now().getTime() - hit.at < this.options.maxAgeMs) return hit.unread;
    const [row] = await db
      .select({ unread: notificationCounters.unread, version: notificationCounters.version })
      .from(notificationCounters)
      .where(eq(notificationCounters.userId, userId));
    this.accept(userId, row ?? { unread: 0, version: 0 });
    // A newer value may have landed while we read: the entry holds the newest either way.
    return this.#entries.get(userId)?.unread ?? row?.unread ?? 0;
  }

  /**
   * Offers a committed value. Returns false (and keeps the entry) when a newer one is already
   * known; equal versions are accepted, so the caller may announce the value again.
   */
  accept(userId: string, value: CounterValue): boolean {
    const current = this.#entries.get(userId);
    if (current && current.version > value.version) return false;
    if (!current && this.#entries.size >= this.options.maxEntries) {
      // Oldest insertion first: a rough LRU that keeps memory bounded.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.delete(userId);
    this.#entries.set(userId, {
      unread: value.unread,
      version: value.version,
      at: this.clock.now().getTime(),
    });
    return true;
  }

  /** Tests and operators: forget everything (the next read fills from the database). */
  clear(): void {
    this.#entries.clear();
  }
}
