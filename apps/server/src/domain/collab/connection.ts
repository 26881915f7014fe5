import type { LiveDocument } from "./live-document.ts";
import { type DocumentManager, DocumentTooLargeError, TextTooLargeError } from "./manager.ts";
import type { CollabMetrics } from "./metrics.ts";
import type { Peer } from "./peer.ts";
import { CollabCloseCode, decodeMessage, encodePermissionDenied } from "./protocol.ts";

/** An update with no structs and no deletions (what a client sends when it has nothing new). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength <= 2 && update.every((byte) => byte === 0);
}

/**
 * Handles one frame from a peer. Anything malformed or hostile closes only that peer; read-only
 * peers are answered with permission-denied and their updates go nowhere.
 */
export function handleFrame(
  manager: DocumentManager,
  metrics: CollabMetrics,
  doc: LiveDocument,
  peer: Peer,
  data: Uint8Array,
): void {
  try {
    const message = decodeMessage(data);
    switch (message.type) {
      case "syncStep1":
        manager.answerSyncStep1(doc, peer, message.stateVector);
        return;
      case "update": {
        if (isEmptyUpdate(message.update)) return;
        if (peer.readOnly) {
          metrics.updatesRefused.inc({ reason: "read_only" });
          peer.send(encodePermissionDenied("read-only: your role in this project cannot edit"));
          return;
        }
        manager.submitFromPeer(doc, message.update, peer);
        return;
      }
      case "awareness": {
        const forward = doc.awareness.apply(peer, message.payload);
        // To everyone, the sender included: it keeps a lone client's connection from looking idle.
        if (forward) manager.shareAwareness(doc, forward);
        return;
      }
      case "queryAwareness": {
        const snapshot = doc.awareness.snapshot();
        if (snapshot) peer.send(snapshot);
        return;
      }
      case "auth":
        return;
    }
  } catch (error) {
    // The edit is not stored or shown to anyone; y-websocket does not reconnect after 44xx, so the
    // client does not re-send it in a loop (its local copy still has it until reloaded).
    if (error instanceof TextTooLargeError) {
      peer.close(CollabCloseCode.tooLarge, "file size limit reached");
      return;
    }
    if (error instanceof DocumentTooLargeError) {
      peer.close(CollabCloseCode.tooLarge, "document size limit reached");
      return;
    }
    metrics.updatesRefused.inc({ reason: "malformed" });
    peer.close(CollabCloseCode.malformed, "malformed message");
  }
}
