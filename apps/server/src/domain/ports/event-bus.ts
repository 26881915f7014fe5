import type { DomainEvent } from "@codepark/protocol";

export type EventHandler = (event: DomainEvent) => void;

/**
 * Delivery of committed domain events to subscribers: this node's transports (realtime rooms,
 * collaboration revocation, the job runner's wake-up). In-process today (infra/events/local-bus.ts);
 * a bus over a shared medium delivers to the subscribers of every node. Contract:
 * infra/events/event-bus.contract.test.ts.
 */
export interface EventBus {
  /**
   * Hands the event to every subscriber, each once, in publish order per publisher; possibly after
   * returning. Never throws because of a subscriber: a handler's error is reported aside.
   */
  publish(event: DomainEvent): void;
  /** Calls `handler` for events published from now on; the returned function ends this subscription (again: no-op). */
  subscribe(handler: EventHandler): () => void;
}
