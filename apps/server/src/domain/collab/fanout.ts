/** What another node sends about a document this node holds. */
export interface RemoteDocumentHandlers {
  /** An update another node made durable and applied (apply it; it is already in the log). */
  update(update: Uint8Array): void;
  /** Awareness from another node's connections, already checked and stamped there. */
  awareness(node: string, frame: Uint8Array): void;
  /** Messages may have been missed (a gap, a lost connection): catch up from the durable log. */
  resync(): void;
}

/**
 * The link between the nodes holding the same document (a port: the Redis implementation is in
 * infra/collab). A node subscribes before it reads a document from the store and publishes only
 * what is already durable, so a message it misses is always in the log it repairs from.
 */
export interface CollabFanout {
  /** Whether other nodes may write the same documents (then only the log knows all of a document). */
  readonly shared: boolean;
  /** Resolves once this node receives the document's messages. */
  open(fileId: string, handlers: RemoteDocumentHandlers): Promise<void>;
  close(fileId: string): void;
  publishUpdate(fileId: string, update: Uint8Array): void;
  publishAwareness(fileId: string, frame: Uint8Array): void;
}

/** One node: nobody to tell. */
export const singleNode: CollabFanout = {
  shared: false,
  open: async () => {},
  close: () => {},
  publishUpdate: () => {},
  publishAwareness: () => {},
};
