import { type RefObject, useLayoutEffect, useRef } from "react";
import type { ChatMessage } from "../api/types.ts";
import { isNearBottom, type ScrollGeometry, scrollAfterChange } from "./message-list-model.ts";

/**
 * Keeps the message scroller where a reader expects it: at the bottom as messages arrive (when
 * already there, or for one's own), still when older messages are added above. Returns the scroll
 * handler, which also asks for older messages near the top.
 */
export function useMessageScroll(
  scroller: RefObject<HTMLDivElement | null>,
  messages: readonly ChatMessage[],
  selfId: string,
  loadOlder: (() => void) | null,
): () => void {
  const geometry = useRef<ScrollGeometry>({ firstId: "", lastId: "", height: 0, atBottom: true });
  const firstId = messages[0]?.id ?? "";
  const last = messages.at(-1);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const action = scrollAfterChange(geometry.current, firstId, last, selfId);
    if (action === "keep") element.scrollTop += element.scrollHeight - geometry.current.height;
    else if (action === "bottom") element.scrollTop = element.scrollHeight;
    geometry.current = {
      firstId,
      lastId: last?.id ?? "",
      height: element.scrollHeight,
      atBottom: isNearBottom(element),
    };
  }, [scroller, firstId, last, selfId]);

  return () => {
    const element = scroller.current;
    if (!element) return;
    geometry.current.atBottom = isNearBottom(element);
    geometry.current.height = element.scrollHeight;
    if (element.scrollTop < 40 && loadOlder) loadOlder();
  };
}
