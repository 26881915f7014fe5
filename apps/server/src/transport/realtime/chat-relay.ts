import type { DomainEvent } from "@codepark/protocol";
import type { ChatMessage } from "@codepark/protocol/api";
import { directMemberIds } from "../../domain/chat/conversations.ts";
import type { Services } from "../../services.ts";
import type { ProjectRooms } from "./project-rooms.ts";
import { type RealtimeServer, userRoom } from "./types.ts";

export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

type ChatEvent = Extract<
  DomainEvent,
  {
    type:
      | "message.created"
      | "message.updated"
      | "message.deleted"
      | "message.reaction"
      | "conversation.read";
  }
>;
const chatEventTypes = new Set([
  "message.created",
  "message.updated",
  "message.deleted",
  "message.reaction",
  "conversation.read",
]);
export const isChatEvent = (event: DomainEvent): event is ChatEvent => chatEventTypes.has(event.type);

/** How long a message waits for an earlier one before it is sent anyway (the gap may be another node's). */
const GAP_WAIT_MS = 500;

interface Ordering {
  next: number;
  held: Map<number, () => void>;
  timer: NodeJS.Timeout | null;
}

/**
 * Committed chat events → sockets. Project-channel traffic goes to the project room (whose
 * membership the gateway already re-checks on access changes); direct conversations to their room
 * and both participants' user rooms. New messages leave in seq order per conversation: a commit
 * that overtakes an earlier one on its way to this relay waits briefly for it.
 */
export class ChatRelay {
  readonly #ordering = new Map<string, Ordering>();
  readonly #participants = new Map<string, string[]>();

  constructor(
    private readonly io: RealtimeServer,
    private readonly rooms: ProjectRooms,
    private readonly ctx: Services,
  ) {}

  async relay(event: ChatEvent): Promise<void> {
    const { conversationId, projectId } = event.data;
    const targets = projectId ? null : await this.#directTargets(conversationId);
    const send = (name: string, payload: unknown, alsoUser?: string) =>
      this.#send(projectId, targets, name, payload, alsoUser);
    switch (event.type) {
      case "message.created": {
        const message: ChatMessage = {
          ...event.data.message,
          editedAt: null,
          deletedAt: null,
          reactions: [],
        };
        this.#inOrder(conversationId, message.seq, () => send("chat:message", message));
        return;
      }
      case "message.updated": {
        const { editedAt, ...summary } = event.data.message;
        // Reactions are not in the event; clients keep theirs (an edit does not touch them).
        send("chat:message-updated", { ...summary, editedAt, deletedAt: null, reactions: [] });
        return;
      }
      case "message.deleted":
        send("chat:message-deleted", {
          conversationId: event.data.conversationId,
          messageId: event.data.messageId,
          seq: event.data.seq,
        });
        return;
      case "message.reaction": {
        const { projectId: _projectId, ...reaction } = event.data;
        send("chat:reaction", reaction);
        return;
      }
      case "conversation.read": {
        const { projectId: _projectId, ...read } = event.data;
        // The reader's own devices hear it even when not in the project room.
        send("chat:read", read, event.data.userId);
        return;
      }
    }
  }

  /** Rooms to reach both people of a direct conversation. */
  async #directTargets(conversationId: string): Promise<string[]> {
    let participants = this.#participants.get(conversationId);
    if (!participants) {
      participants = await directMemberIds(this.ctx.db, conversationId);
      // Participants of a direct conversation never change.
      if (this.#participants.size > 10_000) this.#participants.clear();
      this.#participants.set(conversationId, participants);
    }
    return [conversationRoom(conversationId), ...participants.map(userRoom)];
  }

  #send(
    projectId: string | null,
    direct: string[] | null,
    event: string,
    payload: unknown,
    alsoUser?: string,
  ) {
    if (projectId) {
      // Through the project room, which skips sockets whose access is being re-checked.
      // Every node relays committed events to its own sockets (they reach each node on the bus).
      const options = alsoUser ? { user: alsoUser, local: true } : { local: true };
      (this.rooms.emit as (id: string, e: string, p: unknown, o: object) => void)(
        projectId,
        event,
        payload,
        options,
      );
      return;
    }
    // One emit over several rooms: each socket receives it once.
    const rooms = alsoUser ? [...direct!, userRoom(alsoUser)] : direct!;
    (this.io.local.to(rooms).emit as (event: string, payload: unknown) => boolean)(event, payload);
  }

  #inOrder(conversationId: string, seq: number, send: () => void): void {
    let state = this.#ordering.get(conversationId);
    if (!state) {
      state = { next: seq, held: new Map(), timer: null };
      this.#ordering.set(conversationId, state);
    }
    if (seq < state.next) {
      send(); // late (a gap was skipped): clients order by seq
      return;
    }
    state.held.set(seq, send);
    this.#drain(conversationId, state);
    if (state.held.size > 0 && !state.timer) {
      state.timer = setTimeout(() => {
        state.timer = null;
        // Give up on the gap: send what is held, in order.
        state.next = Math.min(...state.held.keys());
        this.#drain(conversationId, state);
      }, GAP_WAIT_MS);
      state.timer.unref();
    }
  }

  #drain(conversationId: string, state: Ordering): void {
    for (let send = state.held.get(state.next); send; send = state.held.get(state.next)) {
      state.held.delete(state.next);
      state.next += 1;
      send();
    }
    if (state.held.size === 0) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      // Forget idle conversations so the map does not grow without bound; `next` is re-learnt.
      if (this.#ordering.size > 10_000) this.#ordering.delete(conversationId);
    }
  }
}
