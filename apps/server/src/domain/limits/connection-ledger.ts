/**
 * Open WebSocket connections per subject (`user:<id>`, `ip:<address>`), shared by both doors
 * (collaboration and Socket.IO) and, in a cluster, by every node. In memory on one node; in Redis
 * (infra/limits/redis-ledger.ts) when REDIS_URL is set, where a node that dies stops counting
 * within a bounded time. One contract suite (infra/limits/ledger.contract.test.ts) holds both to it.
 */
export interface ConnectionLedger {
  /**
   * Counts `connectionId` against `subject` if fewer than `limit` connections are counted there, in
   * one atomic step (two nodes racing for the last slot: one wins). True when it is counted, also
   * when it already was (acquiring twice takes one slot).
   */
  acquire(subject: string, limit: number, connectionId: string): Promise<boolean>;
  /** Stops counting it; releasing what is not held does nothing. */
  release(subject: string, connectionId: string): Promise<void>;
  /** Connections counted against `subject` now, across nodes. */
  count(subject: string): Promise<number>;
}
