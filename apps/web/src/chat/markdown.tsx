import type { ReactNode } from "react";
import { type Inline, parseMarkdown } from "./markdown-parse.ts";
import type { MentionIndex } from "./mentions.ts";

/** A message body as React elements (see markdown-parse.ts for what is supported, and why no HTML). */
export function Markdown({ text, mentions }: { text: string; mentions: MentionIndex }) {
  const blocks = parseMarkdown(text, mentions).map((block, index) =>
    block.kind === "code" ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: blocks of a text that is rendered whole
      <pre key={index} className="md-pre">
        <code>{block.text}</code>
      </pre>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: blocks of a text that is rendered whole
      <p key={index}>
        {block.lines.map((line, lineIndex) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of a static text
          <span key={lineIndex}>
            {lineIndex > 0 && <br />}
            {renderInline(line)}
          </span>
        ))}
      </p>
    ),
  );
  return <div className="md">{blocks}</div>;
}

function renderInline(spans: Inline[]): ReactNode[] {
  return spans.map(renderSpan);
}

/** `key` is the span's position: the spans of a static text never move. */
function renderSpan(span: Inline, key: number): ReactNode {
  switch (span.kind) {
    case "text":
      return span.text;
    case "code":
      return <code key={key}>{span.text}</code>;
    case "link":
      return (
        <a key={key} href={span.href} target="_blank" rel="noopener noreferrer">
          {renderInline(span.children)}
        </a>
      );
    case "strong":
      return <strong key={key}>{renderInline(span.children)}</strong>;
    case "em":
      return <em key={key}>{renderInline(span.children)}</em>;
    case "mention":
      return (
        <span
          key={key}
          className={span.person.self ? "mention mention-me" : "mention"}
          title={span.person.name}
        >
          @{span.token}
        </span>
      );
  }
}
