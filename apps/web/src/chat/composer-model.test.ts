import { describe, expect, it } from "vitest";
import {
  busyLabel,
  insertMention,
  type KeyPress,
  keyAction,
  lengthCheck,
  MAX_MESSAGE_LENGTH,
  mentionMenu,
  tooLongMessage,
} from "./composer-model.ts";

const people = [
  { id: "usr_ada", name: "Ada Lovelace" },
  { id: "usr_alan", name: "Alan Turing" },
  { id: "usr_grace", name: "Grace Hopper" },
];

describe("mentionMenu", () => {
  it("opens on an @query with matches, keeping the highlight within them", () => {
    const text = "hi @a";
    const menu = mentionMenu(text, text.length, people, null, 5);
    expect(menu.mention).toEqual({ start: 3, query: "a" });
    expect(menu.matches.map((person) => person.id)).toEqual(["usr_ada", "usr_alan"]);
    expect(menu.open).toBe(true);
    expect(menu.selected).toBe(1);
  });

  it("stays closed without matches, without an @, or when closed for this @", () => {
    expect(mentionMenu("hi @zz", 6, people, null, 0).open).toBe(false);
    expect(mentionMenu("hi there", 8, people, null, 0)).toMatchObject({ mention: null, open: false });
    const closed = mentionMenu("hi @a", 5, people, 3, 0);
    expect(closed.open).toBe(false);
    expect(closed.selected).toBe(0);
    // Another @ later in the text opens again.
    expect(mentionMenu("hi @a and @g", 12, people, 3, 0).open).toBe(true);
  });
});

describe("insertMention", () => {
  it("replaces the @query before the caret with the name without spaces, caret after it", () => {
    expect(insertMention("hi @ad", 6, { start: 3 }, "Ada Lovelace")).toEqual({
      text: "hi @AdaLovelace ",
      caret: 16,
    });
    // Text after the caret stays.
    expect(insertMention("@gr, see this", 3, { start: 0 }, "Grace Hopper")).toEqual({
      text: "@GraceHopper , see this",
      caret: 13,
    });
  });
});

describe("lengthCheck", () => {
  it("counts the trimmed text and marks near and over the limit", () => {
    expect(lengthCheck("  hello  ")).toEqual({ length: 5, over: false, level: "ok" });
    expect(lengthCheck("x".repeat(MAX_MESSAGE_LENGTH - 200))).toMatchObject({ over: false, level: "ok" });
    expect(lengthCheck("x".repeat(MAX_MESSAGE_LENGTH - 199))).toMatchObject({ over: false, level: "near" });
    expect(lengthCheck("x".repeat(MAX_MESSAGE_LENGTH))).toMatchObject({ over: false, level: "near" });
    expect(lengthCheck("x".repeat(MAX_MESSAGE_LENGTH + 1))).toEqual({
      length: MAX_MESSAGE_LENGTH + 1,
      over: true,
      level: "over",
    });
  });

  it("says how long the message is and what the limit is", () => {
    expect(tooLongMessage(4321)).toBe(
      "A message holds at most 4000 characters; this one has 4321. Shorten it or split it in two.",
    );
  });
});

describe("keyAction", () => {
  const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({
    key,
    shiftKey: false,
    altKey: false,
    ctrlKey: false,
    metaKey: false,
    isComposing: false,
    ...more,
  });
  const open = { open: true, selected: 0, count: 3 };
  const closed = { open: false, selected: 0, count: 0 };

  it("moves the highlight with the arrows, wrapping around", () => {
    expect(keyAction(press("ArrowDown"), open, false)).toEqual({ kind: "highlight", index: 1 });
    expect(keyAction(press("ArrowUp"), open, false)).toEqual({ kind: "highlight", index: 2 });
    expect(keyAction(press("ArrowDown"), { ...open, selected: 2 }, false)).toEqual({
      kind: "highlight",
      index: 0,
    });
  });

  it("inserts with Enter or Tab and closes the list with Escape while it is open", () => {
    expect(keyAction(press("Enter"), { ...open, selected: 2 }, true)).toEqual({ kind: "pick", index: 2 });
    expect(keyAction(press("Tab"), open, false)).toEqual({ kind: "pick", index: 0 });
    expect(keyAction(press("Escape"), open, true)).toEqual({ kind: "dismiss" });
  });

  it("sends on a plain Enter, cancels an edit on Escape, leaves the rest to the box", () => {
    expect(keyAction(press("Enter"), closed, false)).toEqual({ kind: "submit" });
    for (const modifier of ["shiftKey", "altKey", "ctrlKey", "metaKey"] as const) {
      expect(keyAction(press("Enter", { [modifier]: true }), closed, false)).toEqual({ kind: "none" });
    }
    expect(keyAction(press("Escape"), closed, true)).toEqual({ kind: "cancel" });
    expect(keyAction(press("Escape"), closed, false)).toEqual({ kind: "none" });
    expect(keyAction(press("Tab"), closed, false)).toEqual({ kind: "none" });
    expect(keyAction(press("ArrowDown"), closed, false)).toEqual({ kind: "none" });
  });

  it("ignores keys while an input method is composing", () => {
    expect(keyAction(press("Enter", { isComposing: true }), open, true)).toEqual({ kind: "none" });
  });
});

describe("busyLabel", () => {
  it("says sending for a new message, saving for an edit", () => {
    expect(busyLabel("Send")).toBe("Sending…");
    expect(busyLabel("Save")).toBe("Saving…");
  });
});
