import { useEffect, useRef } from "react";

type MarkRead = (seq: number) => Promise<{ lastReadSeq: number; unread: number }>;

/**
 * Marks read up to `lastSeq` (the newest message by someone else) while the page is visible, once it
 * is past the read pointer; waits for the page to become visible otherwise.
 */
export function useMarkRead(
  lastSeq: number,
  lastReadSeq: number,
  markRead: MarkRead,
  onRead: (lastReadSeq: number, unread: number) => void,
): void {
  const reader = useRef({ markRead, onRead });
  reader.current = { markRead, onRead };
  useEffect(() => {
    if (lastSeq === 0 || lastSeq <= lastReadSeq) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      if (document.visibilityState !== "visible") return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reader.current.markRead(lastSeq).then(
          (result) => reader.current.onRead(result.lastReadSeq, result.unread),
          () => undefined, // shown as unread still; the next message or visit tries again
        );
      }, 250);
    };
    attempt();
    document.addEventListener("visibilitychange", attempt);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", attempt);
    };
  }, [lastSeq, lastReadSeq]);
}
