import { describe, expect, it } from "vitest";
import type { Conversation, Member } from "../api/types.ts";
import {
  activeConversation,
  CHANNEL_READ_ONLY,
  channelRoomToLeave,
  conversationPeople,
  conversationTitle,
  membersProjectOf,
  noConversationText,
  otherMembers,
  postingDisabledReason,
  unreadBadge,
} from "./chat-panel-model.ts";

const conversation = (id: string, data: Partial<Conversation> = {}) =>
  ({ id, kind: "direct", projectId: null, participants: [], unread: 0, ...data }) as Conversation;
const channel = conversation("cnv_chan", { kind: "project", projectId: "prj_1" });
const direct = conversation("cnv_dm", {
  participants: [
    { id: "usr_me", name: "Me Myself" },
    { id: "usr_ada", name: "Ada Lovelace" },
  ],
});
const member = (userId: string, name: string) =>
  ({ userId, name, email: `${userId}@x.test`, role: "editor", joinedAt: "" }) as Member;
const self = { id: "usr_me", name: "Me Myself" };

describe("conversationTitle", () => {
  it("names a channel by its project, a direct conversation by its people", () => {
    const names = new Map([["prj_1", "Compiler"]]);
    expect(conversationTitle(channel, names)).toBe("#Compiler");
    expect(conversationTitle(channel, new Map())).toBe("#project");
    expect(conversationTitle(direct, names)).toBe("Me Myself, Ada Lovelace");
    expect(conversationTitle(conversation("cnv_empty"), names)).toBe("Direct conversation");
  });
});

describe("activeConversation", () => {
  it("opens the chosen one, else the first; none when the chosen one is not in the list", () => {
    const items = [channel, direct];
    expect(activeConversation(items, "cnv_dm")).toBe(direct);
    expect(activeConversation(items, null)).toBe(channel);
    expect(activeConversation(items, "cnv_gone")).toBeUndefined();
    expect(activeConversation([], null)).toBeUndefined();
  });
});

describe("whose members, which room", () => {
  it("takes the open channel's project for members, else the workspace's", () => {
    expect(membersProjectOf(conversation("c", { kind: "project", projectId: "prj_2" }), "prj_1")).toBe(
      "prj_2",
    );
    expect(membersProjectOf(direct, "prj_1")).toBe("prj_1");
    expect(membersProjectOf(undefined, null)).toBeNull();
  });

  it("leaves a channel's room only outside the workspace", () => {
    expect(channelRoomToLeave(null, channel)).toBe("prj_1");
    expect(channelRoomToLeave("prj_1", channel)).toBeNull();
    expect(channelRoomToLeave(null, direct)).toBeNull();
  });
});

describe("conversationPeople", () => {
  it("lists a direct conversation's participants, a channel's members, adding oneself once", () => {
    expect(conversationPeople(direct, [member("usr_bob", "Bob")], self)).toEqual(direct.participants);
    expect(conversationPeople(channel, [member("usr_bob", "Bob")], self)).toEqual([
      { id: "usr_bob", name: "Bob" },
      self,
    ]);
    expect(conversationPeople(channel, [member("usr_me", "Me Myself")], self)).toEqual([self]);
    expect(conversationPeople(undefined, undefined, self)).toEqual([self]);
  });

  it("offers everyone but oneself for a direct message", () => {
    const members = [member("usr_me", "Me"), member("usr_bob", "Bob")];
    expect(otherMembers(members, "usr_me").map((item) => item.userId)).toEqual(["usr_bob"]);
    expect(otherMembers(undefined, "usr_me")).toEqual([]);
  });
});

describe("what the panel shows", () => {
  it("badges unread counts, capped at 99+", () => {
    expect(unreadBadge(0)).toBeNull();
    expect(unreadBadge(7)).toBe("7");
    expect(unreadBadge(99)).toBe("99");
    expect(unreadBadge(100)).toBe("99+");
  });

  it("turns the composer off only in a channel one may not post in", () => {
    expect(postingDisabledReason(channel, false)).toBe(CHANNEL_READ_ONLY);
    expect(postingDisabledReason(channel, true)).toBeNull();
    expect(postingDisabledReason(direct, false)).toBeNull();
  });

  it("explains an empty panel", () => {
    expect(noConversationText("cnv_x")).toBe("This conversation is not available to you.");
    expect(noConversationText(null)).toBe("No conversations yet.");
  });
});
