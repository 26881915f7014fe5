import type { ServerToClientEvents } from "@codepark/protocol";

/** The Socket.IO events a person's own connections receive about their inbox. */
export type UserEvents = Pick<ServerToClientEvents, "notification" | "notifications:unread-count">;

/** Sends to every connection of one user (the `user:<id>` room). */
export interface UserChannel {
  emit<E extends keyof UserEvents>(userId: string, event: E, payload: Parameters<UserEvents[E]>[0]): void;
}

/**
 * The port the domain emits through. Created before the realtime gateway, which attaches itself
 * when it starts and detaches when it closes; meanwhile emits go nowhere (the inbox is the record,
 * a live event is only a nudge).
 */
export class UserChannelPort implements UserChannel {
  #target: UserChannel | null = null;
  /** Other doors that hear the same emits (GraphQL subscriptions on this node). */
  readonly #listeners = new Set<UserChannel>();

  attach(target: UserChannel | null): void {
    this.#target = target;
  }

  /** Carries this node's emits to the other nodes' listeners (set in a cluster). */
  #relay: UserChannel | null = null;

  /** Hears every emit besides the attached target, this node's and relayed ones; the returned function stops it. */
  listen(listener: UserChannel): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Sends this node's emits on to the other nodes (their Socket.IO rooms have their own path). */
  relayTo(relay: UserChannel | null): void {
    this.#relay = relay;
  }

  emit<E extends keyof UserEvents>(userId: string, event: E, payload: Parameters<UserEvents[E]>[0]): void {
    this.#target?.emit(userId, event, payload);
    this.#relay?.emit(userId, event, payload);
    this.relayed(userId, event, payload);
  }

  /** An emit that happened on another node: for the listeners only. */
  relayed<E extends keyof UserEvents>(userId: string, event: E, payload: Parameters<UserEvents[E]>[0]): void {
    for (const listener of this.#listeners) listener.emit(userId, event, payload);
  }
}
