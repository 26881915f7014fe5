import type { ReactNode } from "react";
import { type MentionIndex, resolveMention } from "./mentions.ts";

/**
 * A small Markdown subset rendered as React elements: never HTML from the message, so nothing in a
 * message can become markup or script. Supported: ``` code blocks ```, `code`, **bold**, __bold__,
 * *italic*, _italic_, [links](https://…) and bare https:// links (http and https only, opened with
 * rel="noopener noreferrer"), @mentions of people in the conversation, and line breaks.
 */
export function Markdown({ text, mentions }: { text: string; mentions: MentionIndex }) {
  const blocks: ReactNode[] = [];
  const fence = /^```[^\n`]*\n([\s\S]*?)\n?```[ \t]*$/gm;
  let last = 0;
  for (const match of text.matchAll(fence)) {
    const before = text.slice(last, match.index);
    blocks.push(...paragraphs(before, mentions, blocks.length));
    blocks.push(
      <pre key={`code-${blocks.length}`} className="md-pre">
        <code>{match[1]}</code>
      </pre>,
    );
    last = match.index + match[0].length;
  }
  blocks.push(...paragraphs(text.slice(last), mentions, blocks.length));
  return <div className="md">{blocks}</div>;
}

function paragraphs(text: string, mentions: MentionIndex, offset: number): ReactNode[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((part) => part.replace(/^\n+|\n+$/g, ""))
    .filter((part) => part.trim() !== "")
    .map((part, index) => {
      const lines = part.split("\n");
      return (
        // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs of a text that is rendered whole
        <p key={`p-${offset + index}`}>
          {lines.map((line, lineIndex) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines of a static text
            <span key={lineIndex}>
              {lineIndex > 0 && <br />}
              {inline(line, mentions, true)}
            </span>
          ))}
        </p>
      );
    });
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

function inline(text: string, mentions: MentionIndex, links: boolean): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const match of text.matchAll(INLINE)) {
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    last = start + match[0].length;
    key += 1;
    const [whole, , code, linkText, linkUrl, bare, bold1, bold2, italic1, italic2, mention] = match;
    if (code !== undefined) {
      out.push(<code key={key}>{code}</code>);
    } else if (linkText !== undefined && linkUrl !== undefined) {
      const href = links ? safeUrl(linkUrl) : null;
      out.push(
        href ? (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer">
            {inline(linkText, mentions, false)}
          </a>
        ) : (
          whole
        ),
      );
    } else if (bare !== undefined) {
      const href = links ? safeUrl(bare) : null;
      out.push(
        href ? (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer">
            {bare}
          </a>
        ) : (
          bare
        ),
      );
    } else if (bold1 !== undefined || bold2 !== undefined) {
      out.push(<strong key={key}>{inline((bold1 ?? bold2)!, mentions, links)}</strong>);
    } else if (italic1 !== undefined || italic2 !== undefined) {
      out.push(<em key={key}>{inline((italic1 ?? italic2)!, mentions, links)}</em>);
    } else if (mention !== undefined) {
      // As the server reads it: trailing dots and dashes end the sentence, not the name.
      const token = mention.replace(/[.-]+$/, "");
      const person = resolveMention(token, mentions);
      if (person) {
        out.push(
          <span key={key} className={person.self ? "mention mention-me" : "mention"} title={person.name}>
            @{token}
          </span>,
          mention.slice(token.length),
        );
      } else {
        out.push(whole);
      }
    } else {
      out.push(whole);
    }
  }
  if (last < text.length) out.push(text.slice(last));
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
