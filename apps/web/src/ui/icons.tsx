/** Small inline icons (no emoji: not every system has an emoji font). Decorative: aria-hidden. */
const PATHS = {
  plus: "M8 3v10M3 8h10",
  pencil: "M3 13l1-3.5L11 2.5l2.5 2.5L6.5 12zM9.5 4l2.5 2.5",
  trash: "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5M7 7v4M9 7v4",
  lock: "M4.5 7.5h7v6h-7zM6 7.5V5.5a2 2 0 0 1 4 0v2",
  bell: "M4 11.5V7.5a4 4 0 0 1 8 0v4l1.2 1.2H2.8zM6.5 13.8a1.6 1.6 0 0 0 3 0",
  chat: "M2.5 3.5h11v7.5H8l-3 2.5V11H2.5z",
  close: "M4 4l8 8M12 4l-8 8",
  archive: "M2.5 3.5h11v3h-11zM3.5 6.5v6h9v-6M6.5 9h3",
  check: "M3 8.5l3 3 7-7",
  smile: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zM5.5 9.5a3 3 0 0 0 5 0M6 6.5v.5M10 6.5v.5",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 14 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 16 16"
      width={size}
      height={size}
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
