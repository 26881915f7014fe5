import { type MouseEvent, useEffect, useId, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { Notification } from "../api/types.ts";
import type { AppSocket } from "../realtime/socket.ts";
import { Link, navigate } from "../router.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { formatDate, formatRelative } from "../ui/format.ts";
import { Icon } from "../ui/icons.tsx";
import { resolveAppLink } from "../ui/links.ts";
import { useAction, useAsync } from "../ui/use-async.ts";
import { KIND_LABELS } from "./kinds.ts";
import "../styles/notifications.css";

type Filter = "all" | "unread" | "archived";
const FILTERS: { id: Filter; label: string; query: { unread?: "true"; archived?: "true" } }[] = [
  { id: "all", label: "All", query: {} },
  { id: "unread", label: "Unread", query: { unread: "true" } },
  { id: "archived", label: "Archived", query: { archived: "true" } },
];
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
  const query = FILTERS.find((candidate) => candidate.id === filter)!.query;

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
    setItems((current) => [
      ...current,
      ...page.items.filter((item) => !current.some((known) => known.id === item.id)),
    ]);
    setCursor(page.nextCursor);
  });
  const act = useAction(async (action: "read" | "archive" | "read-all", ids: string[] = []) => {
    const result =
      action === "read-all"
        ? await call(apiRoutes.notifications.markAllRead)
        : await call(action === "read" ? apiRoutes.notifications.markRead : apiRoutes.notifications.archive, {
            body: { ids },
          });
    onUnread(result.unread);
    const now = new Date().toISOString();
    setItems((current) =>
      current.flatMap((item) => {
        const affected = action === "read-all" || ids.includes(item.id);
        if (!affected) return [item];
        if (action === "archive") return filter === "archived" ? [item] : [];
        return [{ ...item, readAt: item.readAt ?? now }];
      }),
    );
  });

  useEffect(() => heading.current?.focus(), []);

  // New ones arrive at the top (not in the archived view).
  useEffect(() => {
    if (!socket || filter === "archived") return;
    const onNotification = (notification: Notification) =>
      setItems((current) =>
        current.some((item) => item.id === notification.id) ? current : [notification, ...current],
      );
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
    if (!internal || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
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
        <p className="inbox-empty muted">
          {filter === "unread"
            ? "You are all caught up."
            : filter === "archived"
              ? "Nothing archived."
              : "No notifications yet. You will hear here when someone mentions you or adds you to a project."}
        </p>
      )}
      <ul className="notification-list" aria-label="Notifications, newest first">
        {items.map((item) => {
          const link = resolveAppLink(item.url);
          const kind = KIND_LABELS[item.kind]?.label ?? item.kind;
          return (
            <li key={item.id} className={`notification${item.readAt ? "" : " unread"}`} data-kind={item.kind}>
              <span className="notification-dot" aria-hidden="true" />
              <div className="notification-main">
                {link ? (
                  <a
                    href={link.href}
                    className="notification-title"
                    onClick={(event) => open(event, item, link.internal, link.href)}
                    {...(link.internal ? {} : { rel: "noopener noreferrer", target: "_blank" })}
                  >
                    {!item.readAt && <span className="visually-hidden">Unread: </span>}
                    {item.title}
                  </a>
                ) : (
                  <span className="notification-title">
                    {!item.readAt && <span className="visually-hidden">Unread: </span>}
                    {item.title}
                  </span>
                )}
                {item.body && <p className="notification-body">{item.body}</p>}
                <p className="notification-meta">
                  <time dateTime={item.createdAt} title={formatDate(item.createdAt)}>
                    {formatRelative(item.createdAt)}
                  </time>{" "}
                  · {kind}
                </p>
              </div>
              <div className="notification-actions">
                {!item.readAt && (
                  <button
                    type="button"
                    className="icon-button"
                    onClick={() => void act.run("read", [item.id])}
                    disabled={act.busy}
                    title="Mark read"
                  >
                    <Icon name="check" />
                    <span className="visually-hidden">Mark read: {item.title}</span>
                  </button>
                )}
                {!item.archivedAt && (
                  <button
                    type="button"
                    className="icon-button"
                    onClick={() => void act.run("archive", [item.id])}
                    disabled={act.busy}
                    title="Archive"
                  >
                    <Icon name="archive" />
                    <span className="visually-hidden">Archive: {item.title}</span>
                  </button>
                )}
              </div>
            </li>
          );
        })}
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
