import { filterPeople, mentionAt, mentionToken } from "./mentions.ts";

/**
 * The message box's decisions, without React: the @mention list, inserting a mention, the length
 * limit, what a key does. The Composer (composer.tsx) keeps the state and renders.
 */

/** The server's limit (MAX_MESSAGE_LENGTH in the protocol; not imported, which would bring zod). */
export const MAX_MESSAGE_LENGTH = 4000;
/** Within this many characters of the limit the count is highlighted. */
export const NEAR_LIMIT = 200;

export interface Candidate {
  id: string;
  name: string;
  detail?: string;
}

export interface MentionMenu {
  /** The `@query` being typed at the caret. */
  mention: { start: number; query: string } | null;
  matches: Candidate[];
  open: boolean;
  /** The highlighted match (0 when closed). */
  selected: number;
}

/**
 * The mention list for the text and caret: open when an @query is being typed, someone matches,
 * and the person did not close it (Escape) for this @. `active` is kept within the matches.
 */
export function mentionMenu(
  text: string,
  caret: number,
  people: Candidate[],
  dismissedAt: number | null,
  active: number,
): MentionMenu {
  const mention = mentionAt(text, caret);
  const matches = mention ? filterPeople(people, mention.query) : [];
  const open = mention !== null && matches.length > 0 && dismissedAt !== mention.start;
  return { mention, matches, open, selected: open ? Math.min(active, matches.length - 1) : 0 };
}

/** Replaces the `@query` before the caret with `@NameWithoutSpaces ` and puts the caret after it. */
export function insertMention(
  text: string,
  caret: number,
  mention: { start: number },
  name: string,
): { text: string; caret: number } {
  const token = `${mentionToken(name)} `;
  return {
    text: text.slice(0, mention.start) + token + text.slice(caret),
    caret: mention.start + token.length,
  };
}

export interface LengthCheck {
  /** Characters that count (the trimmed text). */
  length: number;
  over: boolean;
  /** The count's look: over the limit, near it, or fine. */
  level: "over" | "near" | "ok";
}

export function lengthCheck(text: string): LengthCheck {
  const length = text.trim().length;
  const over = length > MAX_MESSAGE_LENGTH;
  return { length, over, level: over ? "over" : length > MAX_MESSAGE_LENGTH - NEAR_LIMIT ? "near" : "ok" };
}

/** Why a message that is too long cannot be sent. */
export function tooLongMessage(length: number): string {
  return `A message holds at most ${MAX_MESSAGE_LENGTH} characters; this one has ${length}. Shorten it or split it in two.`;
}

export type KeyAction =
  | { kind: "highlight"; index: number }
  | { kind: "pick"; index: number }
  | { kind: "dismiss" }
  | { kind: "cancel" }
  | { kind: "submit" }
  | { kind: "none" };

export interface KeyPress {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  isComposing: boolean;
}

/**
 * What a key in the message box does. With the mention list open: arrows move the highlight
 * (wrapping), Enter or Tab insert the highlighted person, Escape closes the list. Otherwise Escape
 * cancels an edit, and a plain Enter sends (Shift+Enter, and Enter with a modifier, are left to the box).
 */
export function keyAction(
  press: KeyPress,
  menu: { open: boolean; selected: number; count: number },
  canCancel: boolean,
): KeyAction {
  if (press.isComposing) return { kind: "none" };
  if (menu.open) {
    if (press.key === "ArrowDown" || press.key === "ArrowUp") {
      const step = press.key === "ArrowDown" ? 1 : -1;
      return { kind: "highlight", index: (menu.selected + step + menu.count) % menu.count };
    }
    if (press.key === "Enter" || press.key === "Tab") return { kind: "pick", index: menu.selected };
    if (press.key === "Escape") return { kind: "dismiss" };
  }
  if (press.key === "Escape" && canCancel) return { kind: "cancel" };
  if (press.key === "Enter" && !press.shiftKey && !press.altKey && !press.ctrlKey && !press.metaKey) {
    return { kind: "submit" };
  }
  return { kind: "none" };
}

/** The submit button while busy: "Sending…" for a new message, "Saving…" for an edit. */
export function busyLabel(submitLabel: string): string {
  return `${submitLabel === "Send" ? "Sending" : "Saving"}…`;
}
