import type { DomainEvent } from "@codepark/protocol";
import type { Redis } from "ioredis";
import type { LoggedEvent } from "../../domain/events/since.ts";
import type { Clock } from "../../domain/ports/clock.ts";
import type { EventBus, EventHandler } from "../../domain/ports/event-bus.ts";
import type { RedisChannels } from "../redis/channels.ts";
import { LocalEventBus } from "./local-bus.ts";

export interface RedisEventBusOptions {
  publisher: Redis;
  channels: RedisChannels;
  /** The pub/sub channel every node of the deployment shares. */
  channel: string;
  /** This node; its own messages coming back from Redis are ignored (they were delivered at publish). */
  nodeId: string;
  clock: Clock;
  /** Reads the committed events from a moment on (the domain event log). */
  eventsSince: (since: Date) => Promise<LoggedEvent[]>;
  /** Redis or the log failed (delivery goes on; the reconnect repair catches up). */
  onError: (error: unknown, context: string) => void;
  /** A subscriber threw (the others and the publisher go on). */
  onHandlerError: (error: unknown, event: DomainEvent) => void;
  /** How far before a lost connection the repair reads back (covers clock skew between nodes). */
  repairMarginMs?: number;
}

interface Envelope {
  node: string;
  id?: string | undefined;
  event: DomainEvent;
}

/** Ids delivered this long ago are forgotten: a repair never reads back further than its margin + outage. */
const SEEN_RETENTION_MS = 30 * 60_000;
const REPAIR_ATTEMPTS = 10;

/**
 * Domain events delivered to the subscribers of every node. Publishing delivers to this node's
 * subscribers at once and sends the event through Redis pub/sub to the others. Pub/sub is lossy (a
 * subscriber that is disconnected, or a Redis that restarts, drops messages), so after every
 * reconnect the bus re-reads the event log from just before the connection was lost and delivers
 * what it had not seen: each logged event reaches each node once, whatever Redis did.
 */
export class RedisEventBus implements EventBus {
  readonly #local: LocalEventBus;
  readonly #options: RedisEventBusOptions;
  /** Log ids delivered here, oldest first (a Map keeps insertion order), with when. */
  readonly #seen = new Map<string, number>();
  #unsubscribe: (() => Promise<void>) | null = null;
  #stopReconnect: (() => void) | null = null;
  #repairing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: RedisEventBusOptions) {
    this.#options = options;
    this.#local = new LocalEventBus(options.onHandlerError);
  }

  /** Starts receiving other nodes' events; resolves once subscribed. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#options.channels.subscribe(this.#options.channel, (message) =>
      this.#receive(message),
    );
    this.#stopReconnect = this.#options.channels.onReconnect((lostAt) => {
      this.#repairing = this.#repairing.then(() => this.#repair(lostAt));
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopReconnect?.();
    await this.#unsubscribe?.();
    await this.#repairing;
  }

  publish(event: DomainEvent, logId?: string): void {
    if (logId !== undefined) this.#markSeen(logId);
    this.#local.publish(event);
    const envelope: Envelope = { node: this.#options.nodeId, id: logId, event };
    this.#options.publisher
      .publish(this.#options.channel, JSON.stringify(envelope))
      .catch((error: unknown) => this.#options.onError(error, "publishing a domain event"));
  }

  subscribe(handler: EventHandler): () => void {
    return this.#local.subscribe(handler);
  }

  #receive(message: Buffer): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message.toString()) as Envelope;
    } catch (error) {
      this.#options.onError(error, "decoding a domain event from Redis");
      return;
    }
    if (envelope.node === this.#options.nodeId) return;
    this.#deliver(envelope.event, envelope.id);
  }

  #deliver(event: DomainEvent, logId: string | undefined): void {
    if (logId !== undefined) {
      if (this.#seen.has(logId)) return;
      this.#markSeen(logId);
    }
    this.#local.publish(event);
  }

  /** Reads the log back from before the loss; retried while the store itself is unavailable. */
  async #repair(lostAt: Date): Promise<void> {
    const since = new Date(lostAt.getTime() - (this.#options.repairMarginMs ?? 10_000));
    for (let attempt = 1; ; attempt++) {
      try {
        for (const { id, event } of await this.#options.eventsSince(since)) this.#deliver(event, id);
        return;
      } catch (error) {
        this.#options.onError(error, "repairing domain events from the log");
        if (attempt === REPAIR_ATTEMPTS || this.#stopped) return;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  #markSeen(id: string): void {
    const now = this.#options.clock.now().getTime();
    this.#seen.set(id, now);
    for (const [oldest, at] of this.#seen) {
      if (now - at < SEEN_RETENTION_MS) break;
      this.#seen.delete(oldest);
    }
  }
}
