import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../api/types.ts";
import {
  applyReaction,
  type ConversationState,
  conversationReducer,
  hasOlder,
  initialConversation,
  mergeMessages,
} from "./conversation-model.ts";

function message(seq: number, changes: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: `msg_${seq}`,
    conversationId: "cnv_1",
    seq,
    authorId: "usr_ann",
    body: `message ${seq}`,
    mentions: [],
    reactions: [],
    createdAt: "2026-01-01T10:00:00.000Z",
    editedAt: null,
    deletedAt: null,
    ...changes,
  } as ChatMessage;
}

const seqs = (state: ConversationState) => state.messages.map((m) => m.seq);

describe("mergeMessages", () => {
  it("orders by seq and keeps one copy per id, the later one", () => {
    const merged = mergeMessages([message(3), message(1)], [message(2), message(3, { body: "edited" })]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(merged[2]!.body).toBe("edited");
  });

  it("returns the same list when nothing comes in", () => {
    const list = [message(1)];
    expect(mergeMessages(list, [])).toBe(list);
  });

  it("keeps known reactions for an edit event, none for a deleted message", () => {
    const reactions = [{ emoji: "👍", userIds: ["usr_bob"] }];
    const edited = mergeMessages([message(1, { reactions })], [message(1, { body: "new" })], true);
    expect(edited[0]).toMatchObject({ body: "new", reactions });
    const gone = mergeMessages(
      [message(1, { reactions, deletedAt: "2026-01-01T11:00:00.000Z" })],
      [message(1, { reactions: [{ emoji: "🎉", userIds: ["usr_x"] }] })],
      true,
    );
    expect(gone[0]!.reactions).toEqual([]);
  });
});

describe("applyReaction", () => {
  const start = [{ emoji: "👍", userIds: ["usr_ann"] }];

  it("adds a person to an existing reaction, or a new reaction at the end", () => {
    expect(applyReaction(start, { userId: "usr_bob", emoji: "👍", on: true })).toEqual([
      { emoji: "👍", userIds: ["usr_ann", "usr_bob"] },
    ]);
    expect(applyReaction(start, { userId: "usr_bob", emoji: "🎉", on: true })).toEqual([
      ...start,
      { emoji: "🎉", userIds: ["usr_bob"] },
    ]);
  });

  it("is idempotent: reacting twice or taking back what is not there changes nothing", () => {
    expect(applyReaction(start, { userId: "usr_ann", emoji: "👍", on: true })).toBe(start);
    expect(applyReaction(start, { userId: "usr_ann", emoji: "🎉", on: false })).toBe(start);
  });

  it("drops a reaction when its last person takes it back", () => {
    expect(applyReaction(start, { userId: "usr_ann", emoji: "👍", on: false })).toEqual([]);
  });
});

describe("conversationReducer", () => {
  const reduce = (state: ConversationState, ...actions: Parameters<typeof conversationReducer>[1][]) =>
    actions.reduce(conversationReducer, state);

  it("a join merges what was missed, clears an error and sets the read pointers", () => {
    const failed = reduce(initialConversation, { type: "join-failed", error: new Error("no") });
    expect(failed).toMatchObject({ loaded: true, error: new Error("no") });
    const joined = reduce(failed, { type: "joined", missed: [message(2), message(1)], lastReadSeq: 1 });
    expect(seqs(joined)).toEqual([1, 2]);
    expect(joined).toMatchObject({ loaded: true, error: null, lastReadSeq: 1, readWhenOpened: 1 });
  });

  it("a rejoin never moves the read pointer back, nor the 'New' divider", () => {
    const state = reduce(
      initialConversation,
      { type: "joined", missed: [message(1)], lastReadSeq: 4 },
      { type: "joined", missed: [message(5)], lastReadSeq: 2 },
    );
    expect(state.lastReadSeq).toBe(4);
    expect(state.readWhenOpened).toBe(4);
  });

  it("restart drops the messages for a fresh join", () => {
    const state = reduce(
      initialConversation,
      { type: "received", messages: [message(1)] },
      { type: "restart" },
    );
    expect(state.messages).toEqual([]);
  });

  it("a failed REST page is an error only when nothing is shown", () => {
    const error = new Error("offline");
    expect(reduce(initialConversation, { type: "page-failed", error })).toMatchObject({
      error,
      loaded: true,
    });
    const shown = reduce(
      initialConversation,
      { type: "page-loaded", messages: [message(1)] },
      { type: "page-failed", error },
    );
    expect(shown).toMatchObject({ error: null, loaded: true });
  });

  it("a new message stops its author's typing line, not anyone else's", () => {
    const state = reduce(
      initialConversation,
      { type: "typing", userId: "usr_ann", name: "Ann", until: 1000 },
      { type: "typing", userId: "usr_bob", name: "Bob", until: 1000 },
      { type: "message", message: message(1, { authorId: "usr_ann" }) },
    );
    expect(state.typists.map((typist) => typist.userId)).toEqual(["usr_bob"]);
    expect(seqs(state)).toEqual([1]);
  });

  it("a repeated typing event replaces the earlier one; expired typists go", () => {
    const state = reduce(
      initialConversation,
      { type: "typing", userId: "usr_ann", name: "Ann", until: 1000 },
      { type: "typing", userId: "usr_bob", name: "Bob", until: 1500 },
      { type: "typing", userId: "usr_ann", name: "Ann", until: 3000 },
    );
    expect(state.typists).toEqual([
      { userId: "usr_bob", name: "Bob", until: 1500 },
      { userId: "usr_ann", name: "Ann", until: 3000 },
    ]);
    expect(reduce(state, { type: "typing-expired", now: 1500 }).typists.map((t) => t.userId)).toEqual([
      "usr_ann",
    ]);
  });

  it("a deleted message keeps its place but loses its body, mentions and reactions", () => {
    const state = reduce(
      initialConversation,
      {
        type: "received",
        messages: [
          message(1),
          message(2, { mentions: ["usr_bob"], reactions: [{ emoji: "👍", userIds: ["a"] }] }),
        ],
      },
      { type: "deleted", messageId: "msg_2", at: "2026-01-01T12:00:00.000Z" },
    );
    expect(state.messages[1]).toMatchObject({
      seq: 2,
      body: "",
      mentions: [],
      reactions: [],
      deletedAt: "2026-01-01T12:00:00.000Z",
    });
    expect(state.messages[0]!.body).toBe("message 1");
  });

  it("an edit event keeps the reactions already known", () => {
    const reactions = [{ emoji: "👍", userIds: ["usr_bob"] }];
    const state = reduce(
      initialConversation,
      { type: "received", messages: [message(1, { reactions })] },
      { type: "updated", message: message(1, { body: "fixed", editedAt: "2026-01-01T10:05:00.000Z" }) },
    );
    expect(state.messages[0]).toMatchObject({ body: "fixed", reactions });
  });

  it("reaction events apply to their message only", () => {
    const state = reduce(
      initialConversation,
      { type: "received", messages: [message(1), message(2)] },
      { type: "reaction", messageId: "msg_2", userId: "usr_bob", emoji: "🎉", on: true },
    );
    expect(state.messages[0]!.reactions).toEqual([]);
    expect(state.messages[1]!.reactions).toEqual([{ emoji: "🎉", userIds: ["usr_bob"] }]);
  });

  it("older pages: busy while loading, merged above, or an error that a retry clears", () => {
    const start = reduce(initialConversation, { type: "received", messages: [message(51)] });
    const loading = reduce(start, { type: "older-loading" });
    expect(loading.olderBusy).toBe(true);
    const loaded = reduce(loading, { type: "older-loaded", messages: [message(49), message(50)] });
    expect(seqs(loaded)).toEqual([49, 50, 51]);
    expect(loaded.olderBusy).toBe(false);
    const failed = reduce(loading, { type: "older-failed", error: new Error("x") });
    expect(failed).toMatchObject({ olderBusy: false, olderError: new Error("x") });
    expect(reduce(failed, { type: "older-loading" }).olderError).toBeNull();
  });

  it("read events only move the pointer forward", () => {
    const state = reduce(
      initialConversation,
      { type: "read", lastReadSeq: 7 },
      { type: "read", lastReadSeq: 3 },
    );
    expect(state.lastReadSeq).toBe(7);
  });
});

describe("hasOlder", () => {
  it("is true when the first message held is not the first of the conversation", () => {
    expect(hasOlder([])).toBe(false);
    expect(hasOlder([message(1), message(2)])).toBe(false);
    expect(hasOlder([message(2)])).toBe(true);
  });
});
