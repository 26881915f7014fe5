import type { Redis } from "ioredis";

export type ChannelHandler = (message: Buffer) => void;
/** Called after the subscriber came back from a lost connection; `lostAt` is when it was lost. */
export type ReconnectListener = (lostAt: Date) => void;

/**
 * Pub/sub channels multiplexed over one subscriber connection. Redis pub/sub forgets whatever is
 * published while a subscriber is disconnected, so after every reconnect (once the subscriptions are
 * back in place) the reconnect listeners run: each repairs what it may have missed from the durable
 * store.
 */
export class RedisChannels {
  readonly #subscriber: Redis;
  readonly #handlers = new Map<string, Set<ChannelHandler>>();
  readonly #reconnectListeners = new Set<ReconnectListener>();
  #lostAt: Date | null = null;
  #closed = false;

  constructor(subscriber: Redis, onHandlerError: (error: unknown, channel: string) => void = () => {}) {
    this.#subscriber = subscriber;
    subscriber.on("messageBuffer", (channelBytes: Buffer, message: Buffer) => {
      const channel = channelBytes.toString();
      const handlers = this.#handlers.get(channel);
      if (!handlers) return;
      for (const handler of handlers) {
        // One bad message or handler must not take the connection (or the process) down.
        try {
          handler(message);
        } catch (error) {
          onHandlerError(error, channel);
        }
      }
    });
    subscriber.on("close", () => {
      this.#lostAt ??= new Date();
    });
    subscriber.on("ready", () => {
      const lostAt = this.#lostAt;
      if (!lostAt || this.#closed) return;
      this.#lostAt = null;
      // ioredis re-sends the SUBSCRIBEs right after "ready"; a PING answered after them means they
      // are in effect, so nothing published from here on is missed by the repair that follows.
      setImmediate(() => {
        this.#subscriber.ping().then(
          () => {
            for (const listener of this.#reconnectListeners) listener(lostAt);
          },
          () => {
            // Lost again before the answer: the next "ready" repairs from the earlier loss.
            this.#lostAt = this.#lostAt && this.#lostAt < lostAt ? this.#lostAt : lostAt;
          },
        );
      });
    });
  }

  /** Resolves once Redis confirmed the subscription. The returned function ends this handler's part. */
  async subscribe(channel: string, handler: ChannelHandler): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    await this.#subscriber.subscribe(channel);
    return async () => {
      const current = this.#handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.#handlers.delete(channel);
      if (!this.#closed) await this.#subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  onReconnect(listener: ReconnectListener): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#reconnectListeners.clear();
    this.#handlers.clear();
  }
}
