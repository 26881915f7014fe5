import type { DomainEvent } from "@codepark/protocol";
import { and, eq } from "drizzle-orm";
import * as Y from "yjs";
import type { Actor } from "../actor.ts";
import { AppError } from "../errors.ts";
import { can } from "../policy.ts";
import type { Clock } from "../ports/clock.ts";
import type { Db, Executor } from "../ports/database.ts";
import type { EventBus } from "../ports/event-bus.ts";
import { projectMembers, projects } from "../projects/schema.ts";
import { users } from "../users/schema.ts";
import type { CollabFanout } from "./fanout.ts";
import type { LiveDocument } from "./live-document.ts";
import { type CollabLimits, type CollabLogger, DocumentManager, DocumentTooLargeError } from "./manager.ts";
import type { CollabMetrics } from "./metrics.ts";
import type { Peer } from "./peer.ts";
import { CollabCloseCode } from "./protocol.ts";
import { DocumentStore } from "./store.ts";
import { replaceText } from "./text-diff.ts";
import type { UpdateLog } from "./update-log.ts";
import { type OpenDocumentHold, UserDocumentBudget } from "./user-documents.ts";

export type Checkpoint = (doc: LiveDocument) => Promise<void>;

/**
 * The collaboration domain: live documents, their durable log, and the rules that keep connections
 * honest when access changes. Transports (the y-websocket endpoint, REST files) call into it.
 */
export class CollabService {
  readonly store: DocumentStore;
  readonly manager: DocumentManager;
  readonly metrics: CollabMetrics;
  /** What each person has open on this node (COLLAB_USER_LOADED_BYTES). */
  readonly openDocuments: UserDocumentBudget;
  readonly #db: Db;

  constructor(deps: {
    db: Db;
    updateLog: UpdateLog;
    clock: Clock;
    events: EventBus;
    limits: CollabLimits;
    metrics: CollabMetrics;
    log: CollabLogger;
    checkpoint: Checkpoint;
    /** The other nodes holding the same documents (none on a single node). */
    fanout?: CollabFanout;
  }) {
    this.#db = deps.db;
    this.metrics = deps.metrics;
    this.store = new DocumentStore(deps.db, deps.clock, deps.updateLog, deps.events);
    this.openDocuments = new UserDocumentBudget(deps.limits.userLoadedBytes);
    this.manager = new DocumentManager(
      this.store,
      deps.clock,
      deps.limits,
      deps.metrics,
      deps.log,
      deps.checkpoint,
      deps.fanout,
    );
    deps.events.subscribe((event) => {
      this.#onEvent(event).catch((error) =>
        deps.log.error({ err: error, event: event.type }, "collab access check failed"),
      );
    });
  }

  /**
   * Room for `userId` to open `fileId` within their loaded-bytes cap, sized before anything is
   * loaded (from memory when another connection holds it, else from the store); null when it would
   * take them past the cap.
   */
  async reserveOpen(userId: string, fileId: string): Promise<OpenDocumentHold | null> {
    if (this.openDocuments.limitBytes === 0) return this.openDocuments.reserve(userId, fileId, 0);
    const live = this.manager.get(fileId);
    const bytes = live && !live.closed ? live.bytes : await this.store.storedBytes(fileId);
    return this.openDocuments.reserve(userId, fileId, bytes);
  }

  /** Seeds a new file's document in the caller's transaction. */
  createDocument(tx: Executor, fileId: string, content: string): Promise<void> {
    return this.store.createSnapshot(tx, fileId, content);
  }

  /**
   * The live text of a file: from memory when loaded; otherwise the materialised files.content,
   * unless the log holds entries not yet compacted (then the document is loaded to read them).
   */
  async readText(fileId: string, projectId: string, materialised: string): Promise<string> {
    const live = this.manager.get(fileId);
    if (live && !live.closed) return live.text.toString();
    if (!(await this.store.hasTail(fileId))) return materialised;
    const doc = await this.manager.acquire(fileId, projectId);
    try {
      return doc.text.toString();
    } finally {
      this.manager.release(doc);
    }
  }

  /**
   * The live text's UTF-8 size of each file: from memory when loaded, the materialised size when the
   * log holds nothing newer; otherwise the document is loaded (as readText does).
   */
  async textSizes(
    rows: readonly { id: string; projectId: string; size: number }[],
  ): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    const unloaded: (typeof rows)[number][] = [];
    for (const row of rows) {
      const live = this.manager.get(row.id);
      if (live && !live.closed) sizes.set(row.id, live.textSize.measure());
      else unloaded.push(row);
    }
    const withTail = await this.store.withTail(unloaded.map((row) => row.id));
    for (const row of unloaded) {
      if (!withTail.has(row.id)) {
        sizes.set(row.id, row.size);
        continue;
      }
      const doc = await this.manager.acquire(row.id, row.projectId);
      try {
        sizes.set(row.id, doc.textSize.measure());
      } finally {
        this.manager.release(doc);
      }
    }
    return sizes;
  }

  /**
   * Replaces a file's text through the same durable path as a typed edit, so live clients receive
   * it as an ordinary update. Resolves once it is durable, to whether the text changed.
   */
  async writeText(fileId: string, projectId: string, next: string): Promise<boolean> {
    const doc = await this.manager.acquire(fileId, projectId);
    try {
      // The edit is made on a copy: the live document only ever holds durable updates.
      const scratch = new Y.Doc();
      const captured: Uint8Array[] = [];
      try {
        Y.applyUpdate(scratch, Y.encodeStateAsUpdate(doc.ydoc));
        scratch.on("update", (update: Uint8Array) => captured.push(update));
        scratch.transact(() => replaceText(scratch.getText("content"), next));
      } finally {
        scratch.destroy();
      }
      if (captured.length === 0) return false;
      try {
        await this.manager.submit(doc, Y.mergeUpdates(captured), null);
      } catch (error) {
        if (error instanceof DocumentTooLargeError) throw new AppError("file_too_large", error.message);
        throw error;
      }
      return true;
    } finally {
      this.manager.release(doc);
    }
  }

  /** Closes every connection and writes what is pending; the log is closed last. */
  async close(): Promise<void> {
    try {
      await this.manager.closeAll();
    } finally {
      await this.store.log.close();
    }
  }

  /** Access changes reach open connections at once: closed, or made read-only. */
  async #onEvent(event: DomainEvent): Promise<void> {
    switch (event.type) {
      case "session.revoked":
        return this.#closeWhere(
          (peer) => peer.actor.kind === "session" && peer.actor.sessionId === event.data.sessionId,
          CollabCloseCode.unauthorized,
          "session revoked",
        );
      case "api_key.revoked":
        return this.#closeWhere(
          (peer) => peer.actor.kind === "api_key" && peer.actor.apiKeyId === event.data.apiKeyId,
          CollabCloseCode.unauthorized,
          "API key revoked",
        );
      case "file.deleted":
        return this.manager.discard(event.data.fileId, CollabCloseCode.notFound, "file deleted");
      case "project.deleted":
        for (const doc of [...this.manager.documents()]) {
          if (doc.projectId === event.data.projectId) {
            this.manager.discard(doc.fileId, CollabCloseCode.notFound, "project deleted");
          }
        }
        return;
      case "member.removed":
      case "member.role_changed":
        return this.#recheck(
          (doc, peer) => doc.projectId === event.data.projectId && peer.actor.userId === event.data.userId,
        );
      case "user.role_changed":
        return this.#recheck((_doc, peer) => peer.actor.userId === event.data.userId);
      case "project.updated":
        if (event.data.changedFields.includes("visibility")) {
          return this.#recheck((doc) => doc.projectId === event.data.projectId);
        }
        return;
      default:
        return;
    }
  }

  #closeWhere(match: (peer: Peer) => boolean, code: number, reason: string): void {
    for (const doc of this.manager.documents()) {
      for (const peer of [...doc.peers]) if (match(peer)) peer.close(code, reason);
    }
  }

  async #recheck(match: (doc: LiveDocument, peer: Peer) => boolean): Promise<void> {
    const affected: [LiveDocument, Peer][] = [];
    for (const doc of this.manager.documents()) {
      for (const peer of doc.peers) if (match(doc, peer)) affected.push([doc, peer]);
    }
    for (const [doc, peer] of affected) await this.#reauthorize(doc, peer);
  }

  /** Reads role, membership and visibility afresh and applies the policy to one connection. */
  async #reauthorize(doc: LiveDocument, peer: Peer): Promise<void> {
    const [row] = await this.#db
      .select({ role: users.role, visibility: projects.visibility, memberRole: projectMembers.role })
      .from(projects)
      .innerJoin(users, eq(users.id, peer.actor.userId))
      .leftJoin(
        projectMembers,
        and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, users.id)),
      )
      .where(eq(projects.id, doc.projectId));
    if (!row) {
      peer.close(CollabCloseCode.notFound, "project not found");
      return;
    }
    const actor: Actor = { ...peer.actor, role: row.role };
    peer.actor = actor;
    const access = { visibility: row.visibility, memberRole: row.memberRole };
    if (!can(actor, "files:read", access)) {
      peer.close(CollabCloseCode.forbidden, "access revoked");
      return;
    }
    peer.readOnly = !can(actor, "files:write", access);
  }
}
