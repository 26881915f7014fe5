import type { DomainEvent } from "@codepark/protocol";

export type EventHandler = (event: DomainEvent) => void;

/**
 * Committed domain events on their way to this node's transports (realtime rooms, collaboration
 * revocation). Publish only after the transaction commits.
 */
export interface EventBus {
  publish(event: DomainEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(handler: EventHandler): () => void;
}
