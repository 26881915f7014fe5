import type { ConnectionLedger } from "../../domain/limits/connection-ledger.ts";

/** One node's connection counts, in this process (right for a single node only). */
export class MemoryConnectionLedger implements ConnectionLedger {
  readonly #subjects = new Map<string, Set<string>>();

  async acquire(subject: string, limit: number, connectionId: string): Promise<boolean> {
    return this.acquireNow(subject, limit, connectionId);
  }

  /** acquire() without the promise: the Redis ledger's outage fallback decides with it. */
  acquireNow(subject: string, limit: number, connectionId: string): boolean {
    let held = this.#subjects.get(subject);
    if (held?.has(connectionId)) return true;
    if ((held?.size ?? 0) >= limit) return false;
    if (!held) {
      held = new Set();
      this.#subjects.set(subject, held);
    }
    held.add(connectionId);
    return true;
  }

  async release(subject: string, connectionId: string): Promise<void> {
    const held = this.#subjects.get(subject);
    if (!held?.delete(connectionId)) return;
    if (held.size === 0) this.#subjects.delete(subject);
  }

  async count(subject: string): Promise<number> {
    return this.#subjects.get(subject)?.size ?? 0;
  }

  /** Every counted connection as [subject, connectionId]. */
  *entries(): IterableIterator<[string, string]> {
    for (const [subject, held] of this.#subjects) for (const id of held) yield [subject, id];
  }

  /** Subjects with anything counted: 0 once every connection is released (nothing leaks). */
  get size(): number {
    return this.#subjects.size;
  }
}
