import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/** y-websocket message types (the first varUint of every frame). */
export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;
/** y-protocols sync sub-types. */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

/**
 * Close codes the collaboration socket uses (4xxx mirror HTTP where one fits). y-websocket stops
 * reconnecting on 4400–4499 (a decision reconnecting cannot change) and retries everything else.
 */
export const CollabCloseCode = {
  goingAway: 1001,
  malformed: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  notFound: 4404,
  tooLarge: 4413,
  /** The person's plan allows no more open connections (collab + Socket.IO, across nodes). */
  connectionLimit: 4429,
  /** The documents the person has open on this node would pass COLLAB_USER_LOADED_BYTES. */
  openDocumentsLimit: 4430,
  /**
   * Frames sent faster than the connection's rate. In y-websocket's "try again later" range
   * (4500–4599): the client reconnects after its backoff and resyncs, so no edit is lost.
   */
  rateLimited: 4529,
  storageUnavailable: 1011,
} as const;

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export const encodeSyncStep1 = (stateVector: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step1);
    encoding.writeVarUint8Array(e, stateVector);
  });

export const encodeSyncStep2 = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.step2);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeUpdate = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.sync);
    encoding.writeVarUint(e, SyncType.update);
    encoding.writeVarUint8Array(e, update);
  });

/** y-protocols auth "permission denied" (0) with a reason; y-websocket logs it and stays connected. */
export const encodePermissionDenied = (reason: string) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, reason);
  });

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** JSON text; "null" removes the client. */
  state: string;
}

export const encodeAwareness = (entries: readonly AwarenessEntry[]) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.awareness);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, entries.length);
    for (const entry of entries) {
      encoding.writeVarUint(inner, entry.clientId);
      encoding.writeVarUint(inner, entry.clock);
      encoding.writeVarString(inner, entry.state);
    }
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  });

export function decodeAwareness(payload: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(payload);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state = decoding.readVarString(decoder);
    entries.push({ clientId, clock, state });
  }
  return entries;
}

export type IncomingMessage =
  | { type: "syncStep1"; stateVector: Uint8Array }
  | { type: "update"; update: Uint8Array }
  | { type: "awareness"; payload: Uint8Array }
  | { type: "queryAwareness" }
  | { type: "auth" };

/** Decodes one frame; throws on anything malformed (the caller closes only that connection). */
export function decodeMessage(data: Uint8Array): IncomingMessage {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.sync: {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === SyncType.step1) return { type: "syncStep1", stateVector: payload };
      if (syncType === SyncType.step2 || syncType === SyncType.update)
        return { type: "update", update: payload };
      throw new Error(`unknown sync message ${syncType}`);
    }
    case MessageType.awareness:
      return { type: "awareness", payload: decoding.readVarUint8Array(decoder) };
    case MessageType.queryAwareness:
      return { type: "queryAwareness" };
    case MessageType.auth:
      return { type: "auth" };
    default:
      throw new Error(`unknown message type ${type}`);
  }
}
