import type { ReactNode } from "react";

/**
 * Quick reactions. They are stored as short names (":+1:"), which the server accepts like emoji,
 * and drawn as small inline icons: not every system has an emoji font. Reactions sent as emoji by
 * other clients are shown as they are.
 */
export const QUICK_REACTIONS = [
  { emoji: ":+1:", label: "Thumbs up" },
  { emoji: ":heart:", label: "Heart" },
  { emoji: ":smile:", label: "Smile" },
  { emoji: ":eyes:", label: "Eyes" },
  { emoji: ":white_check_mark:", label: "Done" },
] as const;

const LABELS = new Map<string, string>(QUICK_REACTIONS.map((reaction) => [reaction.emoji, reaction.label]));
const ALIASES: Record<string, string> = {
  "👍": ":+1:",
  ":thumbsup:": ":+1:",
  "❤️": ":heart:",
  "❤": ":heart:",
  "😄": ":smile:",
  "🙂": ":smile:",
  "👀": ":eyes:",
  "✅": ":white_check_mark:",
};

export function reactionLabel(emoji: string): string {
  return LABELS.get(ALIASES[emoji] ?? emoji) ?? emoji;
}

export function ReactionGlyph({ emoji }: { emoji: string }) {
  const drawing = DRAWINGS[ALIASES[emoji] ?? emoji];
  if (!drawing) return <span className="reaction-text">{emoji}</span>;
  return (
    <svg
      className="reaction-glyph"
      viewBox="0 0 16 16"
      width={15}
      height={15}
      aria-hidden="true"
      focusable="false"
    >
      {drawing}
    </svg>
  );
}

const DRAWINGS: Record<string, ReactNode> = {
  ":+1:": (
    <path
      d="M2 7h2.5v7H2zM5 7.2 7.6 2.4c.3-.6 1.1-.8 1.6-.3.4.3.5.8.4 1.3L9 6h4c.8 0 1.4.8 1.2 1.6l-1.3 5.4c-.2.6-.7 1-1.3 1H5z"
      fill="#f5c542"
      stroke="#b8860b"
      strokeWidth="0.8"
      strokeLinejoin="round"
    />
  ),
  ":heart:": (
    <path d="M8 14.2 2.3 8.6A3.4 3.4 0 0 1 7.1 3.8L8 4.7l.9-.9a3.4 3.4 0 0 1 4.8 4.8z" fill="#ff5a6e" />
  ),
  ":smile:": (
    <>
      <circle cx="8" cy="8" r="6.6" fill="#f5c542" />
      <circle cx="5.9" cy="6.3" r="0.9" fill="#5a3b00" />
      <circle cx="10.1" cy="6.3" r="0.9" fill="#5a3b00" />
      <path
        d="M4.8 9.2a3.4 3.4 0 0 0 6.4 0"
        fill="none"
        stroke="#5a3b00"
        strokeWidth="1.2"
        strokeLinecap="round"
      />
    </>
  ),
  ":eyes:": (
    <>
      <ellipse cx="5" cy="8" rx="3" ry="4.4" fill="#fff" stroke="#888" strokeWidth="0.6" />
      <ellipse cx="11" cy="8" rx="3" ry="4.4" fill="#fff" stroke="#888" strokeWidth="0.6" />
      <circle cx="6" cy="9" r="1.5" fill="#222" />
      <circle cx="12" cy="9" r="1.5" fill="#222" />
    </>
  ),
  ":white_check_mark:": (
    <>
      <rect x="1.5" y="1.5" width="13" height="13" rx="3" fill="#3ecf8e" />
      <path d="M4.5 8.3 7 10.8l4.6-5.2" fill="none" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
    </>
  ),
};
