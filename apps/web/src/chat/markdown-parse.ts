import { type MentionIndex, type Person, resolveMention } from "./mentions.ts";

/**
 * A small Markdown subset parsed into plain data (markdown.tsx renders it as React elements, never
 * as HTML from the message, so nothing in a message can become markup or script). Supported:
 * ``` code blocks ```, `code`, **bold**, __bold__, *italic*, _italic_, [links](https://…) and bare
 * https:// links (http and https only), @mentions of people in the conversation, and line breaks.
 */

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "link"; href: string; children: Inline[] }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "mention"; token: string; person: Person };

export type Block = { kind: "code"; text: string } | { kind: "paragraph"; lines: Inline[][] };

export function parseMarkdown(text: string, mentions: MentionIndex): Block[] {
  const blocks: Block[] = [];
  const fence = /^```[^\n`]*\n([\s\S]*?)\n?```[ \t]*$/gm;
  let last = 0;
  for (const match of text.matchAll(fence)) {
    blocks.push(...paragraphs(text.slice(last, match.index), mentions));
    blocks.push({ kind: "code", text: match[1]! });
    last = match.index + match[0].length;
  }
  blocks.push(...paragraphs(text.slice(last), mentions));
  return blocks;
}

function paragraphs(text: string, mentions: MentionIndex): Block[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((part) => part.replace(/^\n+|\n+$/g, ""))
    .filter((part) => part.trim() !== "")
    .map((part) => ({
      kind: "paragraph",
      lines: part.split("\n").map((line) => parseInline(line, mentions, true)),
    }));
}

const INLINE = new RegExp(
  [
    /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/u.source, // 1, 2: code span
    /\[([^\]\n]+)\]\(([^()\s]+)\)/u.source, // 3, 4: [text](url)
    /(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"*_])/u.source, // 5: bare link
    /\*\*(?=\S)([\s\S]*?\S)\*\*/u.source, // 6: **bold**
    /(?<![\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])/u.source, // 7: __bold__
    /\*(?=[^\s*])([^*\n]*?[^\s*])\*/u.source, // 8: *italic*
    /(?<![\p{L}\p{N}_])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/u.source, // 9: _italic_
    /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_.-]{1,64})/u.source, // 10: @mention
  ].join("|"),
  "gu",
);

/** Inline spans of one line; `links` is false inside a link's text (no links within links). */
export function parseInline(text: string, mentions: MentionIndex, links = true): Inline[] {
  const out: Inline[] = [];
  const pushText = (value: string) => {
    if (!value) return;
    const previous = out.at(-1);
    if (previous?.kind === "text") previous.text += value;
    else out.push({ kind: "text", text: value });
  };
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const start = match.index;
    pushText(text.slice(last, start));
    last = start + match[0].length;
    const [whole, , code, linkText, linkUrl, bare, bold1, bold2, italic1, italic2, mention] = match;
    if (code !== undefined) {
      out.push({ kind: "code", text: code });
    } else if (linkText !== undefined && linkUrl !== undefined) {
      const href = links ? safeUrl(linkUrl) : null;
      if (href) out.push({ kind: "link", href, children: parseInline(linkText, mentions, false) });
      else pushText(whole);
    } else if (bare !== undefined) {
      const href = links ? safeUrl(bare) : null;
      if (href) out.push({ kind: "link", href, children: [{ kind: "text", text: bare }] });
      else pushText(bare);
    } else if (bold1 !== undefined || bold2 !== undefined) {
      out.push({ kind: "strong", children: parseInline((bold1 ?? bold2)!, mentions, links) });
    } else if (italic1 !== undefined || italic2 !== undefined) {
      out.push({ kind: "em", children: parseInline((italic1 ?? italic2)!, mentions, links) });
    } else if (mention !== undefined) {
      // As the server reads it: trailing dots and dashes end the sentence, not the name.
      const token = mention.replace(/[.-]+$/, "");
      const person = resolveMention(token, mentions);
      if (person) {
        out.push({ kind: "mention", token, person });
        pushText(mention.slice(token.length));
      } else {
        pushText(whole);
      }
    } else {
      pushText(whole);
    }
  }
  pushText(text.slice(last));
  return out;
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) stays text. */
export function safeUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
