import type { DomainEvent } from "@codepark/protocol";
import type { EventBus, EventHandler } from "../../domain/ports/event-bus.ts";

/**
 * In-process delivery of committed domain events to this node's transports (realtime rooms,
 * collaboration revocation), synchronously inside publish(). A handler that throws is isolated from
 * the others and the publisher. Each subscribe() is its own subscription, even of the same function.
 */
export class LocalEventBus implements EventBus {
  readonly #subscriptions = new Set<{ handler: EventHandler }>();
  readonly #onError: (error: unknown, event: DomainEvent) => void;

  constructor(onError: (error: unknown, event: DomainEvent) => void = () => {}) {
    this.#onError = onError;
  }

  publish(event: DomainEvent): void {
    for (const { handler } of this.#subscriptions) {
      try {
        handler(event);
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }

  subscribe(handler: EventHandler): () => void {
    const subscription = { handler };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }
}
