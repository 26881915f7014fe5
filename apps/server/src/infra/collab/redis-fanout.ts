import type { Redis } from "ioredis";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { CollabFanout, RemoteDocumentHandlers } from "../../domain/collab/fanout.ts";
import type { RedisChannels } from "../redis/channels.ts";

enum Kind {
  update = 0,
  awareness = 1,
}

interface OpenDocument {
  handlers: RemoteDocumentHandlers;
  /** This node's sender id for the document while it stays open here. */
  origin: string;
  /** Sequence of this node's messages about the document. */
  sent: number;
  /** Last sequence received from each other sender: a jump means messages were lost. */
  received: Map<string, number>;
  subscription: Promise<() => Promise<void>>;
}

export interface RedisCollabFanoutOptions {
  publisher: Redis;
  channels: RedisChannels;
  /** REDIS_PREFIX: channels are `${prefix}doc:${fileId}`. */
  prefix: string;
  nodeId: string;
  onError: (error: unknown, context: string) => void;
}

/**
 * Collaboration across nodes through Redis pub/sub, one channel per document, subscribed only by the
 * nodes holding it. Every message carries its sender's sequence number for the document; a receiver
 * that sees a jump, or whose Redis connection dropped, asks the document to resync from the durable
 * log (pub/sub itself keeps nothing). Updates are published only after they are durable, so what is
 * lost in transit is always in the log.
 */
export class RedisCollabFanout implements CollabFanout {
  readonly shared = true;
  readonly #options: RedisCollabFanoutOptions;
  readonly #open = new Map<string, OpenDocument>();
  readonly #stopReconnect: () => void;
  #opens = 0;

  constructor(options: RedisCollabFanoutOptions) {
    this.#options = options;
    this.#stopReconnect = options.channels.onReconnect(() => {
      for (const doc of this.#open.values()) doc.handlers.resync();
    });
  }

  async open(fileId: string, handlers: RemoteDocumentHandlers): Promise<void> {
    const doc: OpenDocument = {
      handlers,
      origin: `${this.#options.nodeId}/${++this.#opens}`,
      sent: 0,
      received: new Map(),
      subscription: this.#options.channels.subscribe(this.#channel(fileId), (message) =>
        this.#receive(doc, message),
      ),
    };
    this.#open.set(fileId, doc);
    try {
      await doc.subscription;
    } catch (error) {
      if (this.#open.get(fileId) === doc) this.#open.delete(fileId);
      throw error;
    }
  }

  close(fileId: string): void {
    const doc = this.#open.get(fileId);
    if (!doc) return;
    this.#open.delete(fileId);
    doc.subscription.then(
      (unsubscribe) => unsubscribe(),
      () => {},
    );
  }

  publishUpdate(fileId: string, update: Uint8Array): void {
    this.#publish(fileId, Kind.update, update);
  }

  publishAwareness(fileId: string, frame: Uint8Array): void {
    this.#publish(fileId, Kind.awareness, frame);
  }

  /** Stops repairing on reconnect; the documents' own close() ends their subscriptions. */
  stop(): void {
    this.#stopReconnect();
  }

  #publish(fileId: string, kind: Kind, payload: Uint8Array): void {
    const doc = this.#open.get(fileId);
    if (!doc) return;
    const encoder = encoding.createEncoder();
    encoding.writeUint8(encoder, kind);
    encoding.writeVarString(encoder, doc.origin);
    encoding.writeVarUint(encoder, ++doc.sent);
    encoding.writeUint8Array(encoder, payload);
    this.#options.publisher
      .publish(this.#channel(fileId), Buffer.from(encoding.toUint8Array(encoder)))
      .catch((error: unknown) => this.#options.onError(error, "publishing a collaboration message"));
  }

  #receive(doc: OpenDocument, message: Buffer): void {
    let kind: number;
    let origin: string;
    let seq: number;
    let payload: Uint8Array;
    try {
      const decoder = decoding.createDecoder(message);
      kind = decoding.readUint8(decoder);
      origin = decoding.readVarString(decoder);
      seq = decoding.readVarUint(decoder);
      payload = decoding.readTailAsUint8Array(decoder);
    } catch (error) {
      this.#options.onError(error, "decoding a collaboration message from Redis");
      return;
    }
    if (origin === doc.origin) return;
    const previous = doc.received.get(origin);
    doc.received.set(origin, seq);
    // The first message from a sender may start anywhere: what it sent before we subscribed was
    // durable before our load read the log.
    if (previous !== undefined && seq !== previous + 1) doc.handlers.resync();
    if (kind === Kind.update) doc.handlers.update(payload);
    else if (kind === Kind.awareness)
      doc.handlers.awareness(origin.slice(0, origin.lastIndexOf("/")), payload);
  }

  #channel(fileId: string): string {
    return `${this.#options.prefix}doc:${fileId}`;
  }
}
