import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../api/types.ts";
import {
  authorName,
  isGrouped,
  isNearBottom,
  newDividerSeq,
  reactorNames,
  type ScrollGeometry,
  scrollAfterChange,
  typingText,
} from "./message-list-model.ts";

function message(seq: number, authorId: string | null, minute = 0, deletedAt: string | null = null) {
  return {
    id: `msg_${seq}`,
    seq,
    authorId,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString(),
    deletedAt,
  } as ChatMessage;
}

describe("newDividerSeq", () => {
  const list = [message(1, "ann"), message(2, "me"), message(3, "ann"), message(4, "bob")];

  it("marks the first message by someone else after the read pointer", () => {
    expect(newDividerSeq(list, 1, "me")).toBe(3);
    expect(newDividerSeq(list, 3, "me")).toBe(4);
  });

  it("has no divider before the join answered, or when everything was read", () => {
    expect(newDividerSeq(list, null, "me")).toBeUndefined();
    expect(newDividerSeq(list, 4, "me")).toBeUndefined();
    expect(newDividerSeq([message(5, "me")], 4, "me")).toBeUndefined();
  });
});

describe("isGrouped", () => {
  it("groups the same author's messages within five minutes", () => {
    expect(isGrouped(message(1, "ann", 0), message(2, "ann", 4), undefined)).toBe(true);
    expect(isGrouped(message(1, "ann", 0), message(2, "ann", 5), undefined)).toBe(false);
  });

  it("starts a new group for another author, after a deleted message, at the divider, or first", () => {
    expect(isGrouped(message(1, "ann"), message(2, "bob"), undefined)).toBe(false);
    expect(isGrouped(message(1, "ann", 0, "2026-01-01T10:01:00Z"), message(2, "ann"), undefined)).toBe(false);
    expect(isGrouped(message(1, "ann"), message(2, "ann"), 2)).toBe(false);
    expect(isGrouped(undefined, message(1, "ann"), undefined)).toBe(false);
  });
});

describe("names", () => {
  const names = new Map([
    ["ann", "Ann"],
    ["bob", "Bob"],
  ]);

  it("names the author, a former member, or a deleted user (no author id)", () => {
    expect(authorName("ann", names)).toBe("Ann");
    expect(authorName("gone", names)).toBe("Former member");
    expect(authorName(null, names)).toBe("Deleted user");
  });

  it("lists who reacted, with 'you' and 'someone'", () => {
    expect(reactorNames(["me", "bob", "gone"], "me", names)).toBe("you, Bob, someone");
    expect(reactorNames([], "me", names)).toBe("");
  });

  it("says who is typing, up to two by name", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["Ann"])).toBe("Ann is typing…");
    expect(typingText(["Ann", "Bob"])).toBe("Ann and Bob are typing…");
    expect(typingText(["Ann", "Bob", "Cy"])).toBe("Several people are typing…");
  });
});

describe("scrollAfterChange", () => {
  const before: ScrollGeometry = { firstId: "msg_5", lastId: "msg_9", height: 1000, atBottom: false };

  it("keeps the view still when older messages arrive above", () => {
    expect(scrollAfterChange(before, "msg_1", { id: "msg_9", authorId: "ann" }, "me")).toBe("keep");
  });

  it("follows a new message when at the bottom, or when it is one's own", () => {
    expect(
      scrollAfterChange({ ...before, atBottom: true }, "msg_5", { id: "msg_10", authorId: "ann" }, "me"),
    ).toBe("bottom");
    expect(scrollAfterChange(before, "msg_5", { id: "msg_10", authorId: "me" }, "me")).toBe("bottom");
  });

  it("leaves a reader who scrolled up where they are", () => {
    expect(scrollAfterChange(before, "msg_5", { id: "msg_10", authorId: "ann" }, "me")).toBe("none");
    expect(scrollAfterChange(before, "msg_5", { id: "msg_9", authorId: "ann" }, "me")).toBe("none");
  });

  it("scrolls to the bottom on the first load", () => {
    const empty: ScrollGeometry = { firstId: "", lastId: "", height: 0, atBottom: true };
    expect(scrollAfterChange(empty, "msg_1", { id: "msg_50", authorId: "ann" }, "me")).toBe("bottom");
    expect(scrollAfterChange(empty, "", undefined, "me")).toBe("none");
  });

  it("counts as at the bottom within 120 px", () => {
    expect(isNearBottom({ scrollHeight: 1000, scrollTop: 781, clientHeight: 100 })).toBe(true);
    expect(isNearBottom({ scrollHeight: 1000, scrollTop: 780, clientHeight: 100 })).toBe(false);
  });
});
