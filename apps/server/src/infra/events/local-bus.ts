import type { DomainEvent } from "@codepark/protocol";

export type EventHandler = (event: DomainEvent) => void;

/**
 * In-process delivery of committed domain events to this node's transports (realtime rooms,
 * collaboration revocation). A handler that throws is isolated from the others and the publisher.
 */
export class LocalEventBus {
  readonly #handlers = new Set<EventHandler>();
  readonly #onError: (error: unknown, event: DomainEvent) => void;

  constructor(onError: (error: unknown, event: DomainEvent) => void = () => {}) {
    this.#onError = onError;
  }

  publish(event: DomainEvent): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
}
