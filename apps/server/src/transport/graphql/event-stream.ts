import type { DomainEvent } from "@codepark/protocol";
import { userRoles } from "@codepark/protocol";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/errors.ts";
import type { EventBus } from "../../domain/ports/event-bus.ts";
import { codedGraphqlError } from "./errors.ts";

/**
 * What one subscription makes of a committed event: a payload to send, `skip` (not for it), or
 * `end` (the thing it watches is gone). May read the store (authorization at delivery).
 */
export type EventPick<T> = (
  event: DomainEvent,
  actor: Actor,
) => Promise<T | "skip" | "end"> | T | "skip" | "end";

/** Deliveries queued for a slow reader before its subscription is ended rather than let memory grow. */
const MAX_QUEUED = 1_000;

/**
 * An async iterator over the domain event bus for one subscriber: events are picked (authorized,
 * shaped) one at a time in bus order; the caller's own credential being revoked, or an authorization
 * refused at delivery, ends it with that coded error. Unsubscribes from the bus when it ends.
 */
export function eventStream<T>(
  events: Pick<EventBus, "subscribe">,
  actor: Actor,
  pick: EventPick<T>,
  extra: { listen?: (push: (value: T) => void) => () => void } = {},
): AsyncIterableIterator<T> {
  let current = actor;
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let failWaiting: ((error: unknown) => void) | null = null;
  let finished: { error?: unknown } | null = null;
  let chain: Promise<void> = Promise.resolve();

  const push = (value: T) => {
    if (finished) return;
    if (waiting) {
      const resolve = waiting;
      waiting = failWaiting = null;
      resolve({ value, done: false });
    } else if (queue.length >= MAX_QUEUED) {
      finish(new AppError("service_unavailable", "This subscription fell too far behind and was ended"));
    } else queue.push(value);
  };

  const finish = (error?: unknown) => {
    if (finished) return;
    // Mercurius sends a stream's error as it is: it must carry its code itself.
    finished = error === undefined ? {} : { error: codedGraphqlError(error) };
    unsubscribe();
    stopExtra?.();
    if (waiting && queue.length === 0) {
      if (finished.error !== undefined) failWaiting?.(finished.error);
      else waiting({ value: undefined, done: true });
      waiting = failWaiting = null;
    }
  };

  let stopExtra: (() => void) | undefined;
  let unsubscribe = () => {};
  unsubscribe = events.subscribe((event) => {
    if (finished) return;
    const revoked = revocation(event, current);
    if (revoked === "revoked") {
      finish(new AppError("session_revoked", "The credential of this subscription was revoked"));
      return;
    }
    if (revoked) current = revoked;
    // In bus order, even when a pick waits for the store.
    chain = chain
      .then(async () => {
        if (finished) return;
        const picked = await pick(event, current);
        if (picked === "end") finish();
        else if (picked !== "skip") push(picked);
      })
      .catch((error) => finish(error));
  });
  stopExtra = extra.listen?.(push);

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      const value = queue.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      if (finished) {
        if (finished.error !== undefined) {
          const error = finished.error;
          finished = {};
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return() {
      finish();
      queue.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}

/** The caller's own credential changing: "revoked" ends the stream; an actor is its new role. */
function revocation(event: DomainEvent, actor: Actor): "revoked" | Actor | null {
  switch (event.type) {
    case "session.revoked":
      return actor.kind === "session" && actor.sessionId === event.data.sessionId ? "revoked" : null;
    case "api_key.revoked":
      return actor.kind === "api_key" && actor.apiKeyId === event.data.apiKeyId ? "revoked" : null;
    case "user.role_changed": {
      if (event.data.userId !== actor.userId) return null;
      const role = userRoles.find((known) => known === event.data.role);
      return role ? { ...actor, role } : "revoked";
    }
    default:
      return null;
  }
}
