import type { MouseEvent } from "react";
import type { Notification } from "../api/types.ts";
import { formatDate, formatRelative } from "../ui/format.ts";
import { Icon } from "../ui/icons.tsx";
import { resolveAppLink } from "../ui/links.ts";
import { KIND_LABELS } from "./kinds.ts";

/** One notification of the inbox: its title (a link to what it is about), when, its kind, its actions. */
export function NotificationItem({
  item,
  busy,
  onOpen,
  onRead,
  onArchive,
}: {
  item: Notification;
  busy: boolean;
  onOpen: (event: MouseEvent<HTMLAnchorElement>, internal: boolean, href: string) => void;
  onRead: () => void;
  onArchive: () => void;
}) {
  const link = resolveAppLink(item.url);
  const kind = KIND_LABELS[item.kind]?.label ?? item.kind;
  return (
    <li className={`notification${item.readAt ? "" : " unread"}`} data-kind={item.kind}>
      <span className="notification-dot" aria-hidden="true" />
      <div className="notification-main">
        {link ? (
          <a
            href={link.href}
            className="notification-title"
            onClick={(event) => onOpen(event, link.internal, link.href)}
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
          <button type="button" className="icon-button" onClick={onRead} disabled={busy} title="Mark read">
            <Icon name="check" />
            <span className="visually-hidden">Mark read: {item.title}</span>
          </button>
        )}
        {!item.archivedAt && (
          <button type="button" className="icon-button" onClick={onArchive} disabled={busy} title="Archive">
            <Icon name="archive" />
            <span className="visually-hidden">Archive: {item.title}</span>
          </button>
        )}
      </div>
    </li>
  );
}
