import { type MouseEvent, useEffect, useId, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { Notification } from "../api/types.ts";
import type { AppSocket } from "../realtime/socket.ts";
import { Link, navigate } from "../router.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { Icon } from "../ui/icons.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";
import {
  addArrived,
  afterAction,
  appendOlder,
  emptyText,
  FILTERS,
  type Filter,
  filterQuery,
  type InboxAction,
  opensInApp,
  showsArrivals,
} from "./inbox-model.ts";
import { NotificationItem } from "./notification-item.tsx";
import "../styles/notifications.css";

const PAGE = 20;

/**
 * The inbox: newest first, unread ones highlighted; mark one or all read, archive, follow the link
 * to what it is about. New notifications arrive live over the shared socket.
 */
export function Inbox({
  socket,
  unread,
  onUnread,
  onClose,
}: {
  socket: AppSocket | null;
  unread: number;
  onUnread: (count: number) => void;
  onClose: (returnFocus: boolean) => void;
}) {
  const [filter, setFilter] = useState<Filter>("all");
  const [items, setItems] = useState<Notification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const query = filterQuery(filter);

  const list = useAsync(
    async (signal) => {
      const page = await call(apiRoutes.notifications.list, { query: { ...query, limit: PAGE } }, { signal });
      setItems(page.items);
      setCursor(page.nextCursor);
      return page;
    },
    [query],
  );
  const more = useAction(async () => {
    const page = await call(apiRoutes.notifications.list, {
      query: { ...query, limit: PAGE, cursor: cursor! },
    });
    setItems((current) => appendOlder(current, page.items));
    setCursor(page.nextCursor);
  });
  const act = useAction(async (action: InboxAction, ids: string[] = []) => {
    const result =
      action === "read-all"
        ? await call(apiRoutes.notifications.markAllRead)
        : await call(action === "read" ? apiRoutes.notifications.markRead : apiRoutes.notifications.archive, {
            body: { ids },
          });
    onUnread(result.unread);
    const now = new Date().toISOString();
    setItems((current) => afterAction(current, action, ids, filter, now));
  });

  useEffect(() => heading.current?.focus(), []);

  // New ones arrive at the top (not in the archived view).
  useEffect(() => {
    if (!socket || !showsArrivals(filter)) return;
    const onNotification = (notification: Notification) =>
      setItems((current) => addArrived(current, notification));
    socket.on("notification", onNotification);
    return () => {
      socket.off("notification", onNotification);
    };
  }, [socket, filter]);

  const open = (
    event: MouseEvent<HTMLAnchorElement>,
    item: Notification,
    internal: boolean,
    href: string,
  ) => {
    if (!item.readAt) void act.run("read", [item.id]);
    if (!opensInApp(event, internal)) return;
    event.preventDefault();
    onClose(false);
    navigate(href);
  };

  return (
    <section className="inbox" role="dialog" aria-labelledby={titleId} data-testid="inbox">
      <div className="inbox-head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          Notifications
        </h2>
        <button
          type="button"
          className="link-button"
          onClick={() => void act.run("read-all")}
          disabled={act.busy || unread === 0}
        >
          Mark all read
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Close notifications"
          onClick={() => onClose(true)}
        >
          <Icon name="close" />
        </button>
      </div>
      <fieldset className="segmented">
        <legend className="visually-hidden">Show</legend>
        {FILTERS.map((candidate) => (
          <label key={candidate.id} className={candidate.id === filter ? "selected" : undefined}>
            <input
              type="radio"
              name="inbox-filter"
              value={candidate.id}
              checked={candidate.id === filter}
              onChange={() => setFilter(candidate.id)}
            />
            {candidate.label}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={act.error} onDismiss={act.clearError} />
      <ErrorMessage error={list.error} />
      {list.loading && <Spinner label="Loading notifications…" />}
      {!list.loading && !list.error && items.length === 0 && (
        <p className="inbox-empty muted">{emptyText(filter)}</p>
      )}
      <ul className="notification-list" aria-label="Notifications, newest first">
        {items.map((item) => (
          <NotificationItem
            key={item.id}
            item={item}
            busy={act.busy}
            onOpen={(event, internal, href) => open(event, item, internal, href)}
            onRead={() => void act.run("read", [item.id])}
            onArchive={() => void act.run("archive", [item.id])}
          />
        ))}
      </ul>
      <ErrorMessage error={more.error} onDismiss={more.clearError} />
      {cursor && !list.loading && (
        <button type="button" className="inbox-more" onClick={() => void more.run()} disabled={more.busy}>
          {more.busy ? "Loading…" : "Show older notifications"}
        </button>
      )}
      <p className="inbox-foot">
        <Link href="/settings/notifications" onClick={() => onClose(false)}>
          Notification settings
        </Link>
      </p>
    </section>
  );
}
