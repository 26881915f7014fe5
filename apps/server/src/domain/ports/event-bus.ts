import type { DomainEvent } from "@codepark/protocol";

export type EventHandler = (event: DomainEvent) => void;

/**
 * Delivery of committed domain events to subscribers: this node's transports (realtime rooms,
 * collaboration revocation, the job runner's wake-up). In-process on one node
 * (infra/events/local-bus.ts); across nodes through Redis, repaired from the event log
 * (infra/events/redis-bus.ts), so every node's subscribers hear every committed event. Contract:
 * infra/events/event-bus.contract.test.ts.
 */
export interface EventBus {
  /**
   * Hands the event to every subscriber, each once, in publish order per publisher; possibly after
   * returning. Never throws because of a subscriber: a handler's error is reported aside.
   * `logId` is the event's id in the domain event log, when it has one: a bus that can lose messages
   * uses it to repair from the log without delivering twice.
   */
  publish(event: DomainEvent, logId?: string): void;
  /** Calls `handler` for events published from now on; the returned function ends this subscription (again: no-op). */
  subscribe(handler: EventHandler): () => void;
}
