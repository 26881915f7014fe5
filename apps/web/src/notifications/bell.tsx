import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { describeError } from "../api/errors.ts";
import type { UnreadCount } from "../api/types.ts";
import { onEveryConnect, useRealtime } from "../realtime/socket.ts";
import { ErrorBoundary } from "../ui/error-boundary.tsx";
import { Spinner } from "../ui/feedback.tsx";
import { Icon } from "../ui/icons.tsx";

// The inbox (its list, actions and styles) loads the first time the bell is opened.
const Inbox = lazy(() => import("./inbox.tsx").then((module) => ({ default: module.Inbox })));

/**
 * The bell in the top bar: the live unread count (asked for on load and on every reconnect, then
 * pushed by the server as `notifications:unread-count`), opening the inbox.
 */
export function NotificationBell() {
  const { socket } = useRealtime();
  const [unread, setUnread] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);

  const load = useCallback(() => {
    call(apiRoutes.notifications.unreadCount).then(
      (count) => {
        setUnread(count.unread);
        setError(null);
      },
      (failure: unknown) => setError(failure),
    );
  }, []);

  useEffect(load, [load]);
  useEffect(() => {
    if (!socket) return;
    const onCount = (count: UnreadCount) => {
      setUnread(count.unread);
      setError(null);
    };
    socket.on("notifications:unread-count", onCount);
    // What changed while disconnected never arrives as an event: ask again on every (re)connect.
    const stop = onEveryConnect(socket, load);
    return () => {
      stop();
      socket.off("notifications:unread-count", onCount);
    };
  }, [socket, load]);

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  }, []);

  // Escape closes it (focus back on the bell); so does a click outside.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !document.querySelector("dialog[open]")) close(true);
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (target && !wrapper.current?.contains(target) && !document.querySelector("dialog[open]"))
        close(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open, close]);

  const count = unread ?? 0;
  const label =
    error && unread === null
      ? `Notifications (the unread count could not be loaded: ${describeError(error)})`
      : count > 0
        ? `Notifications, ${count} unread`
        : "Notifications, none unread";

  return (
    <div className="bell-wrap" ref={wrapper}>
      <button
        ref={button}
        type="button"
        className="bell"
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-controls={open ? "inbox" : undefined}
        aria-haspopup="dialog"
        onClick={() => setOpen((value) => !value)}
        data-testid="notification-bell"
      >
        <Icon name="bell" size={18} />
        {count > 0 && (
          <span className="bell-count" aria-hidden="true" data-testid="notification-count">
            {count > 99 ? "99+" : count}
          </span>
        )}
        {error && unread === null ? (
          <span className="bell-error" aria-hidden="true">
            !
          </span>
        ) : null}
      </button>
      {open && (
        <div className="inbox-popover" id="inbox">
          <ErrorBoundary what="your notifications">
            <Suspense fallback={<Spinner label="Loading notifications…" />}>
              <Inbox socket={socket} unread={count} onUnread={(value) => setUnread(value)} onClose={close} />
            </Suspense>
          </ErrorBoundary>
        </div>
      )}
    </div>
  );
}
