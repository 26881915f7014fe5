import type { Notification } from "../api/types.ts";

/**
 * The inbox's decisions, without React: the filters and their queries, what an action or a new page
 * does to the list, when a click on a notification stays in the app. The Inbox (inbox.tsx) renders.
 */

export type Filter = "all" | "unread" | "archived";
export type InboxAction = "read" | "archive" | "read-all";

export const FILTERS: { id: Filter; label: string; query: { unread?: "true"; archived?: "true" } }[] = [
  { id: "all", label: "All", query: {} },
  { id: "unread", label: "Unread", query: { unread: "true" } },
  { id: "archived", label: "Archived", query: { archived: "true" } },
];

/** The list query of a filter (the same object each time, so it can be an effect's dependency). */
export function filterQuery(filter: Filter): { unread?: "true"; archived?: "true" } {
  return FILTERS.find((candidate) => candidate.id === filter)!.query;
}

/**
 * The list after an action succeeded: read ones get `readAt` (kept when they had one); archived ones
 * leave the list, except in the archived view.
 */
export function afterAction(
  items: Notification[],
  action: InboxAction,
  ids: string[],
  filter: Filter,
  now: string,
): Notification[] {
  return items.flatMap((item) => {
    const affected = action === "read-all" || ids.includes(item.id);
    if (!affected) return [item];
    if (action === "archive") return filter === "archived" ? [item] : [];
    return [{ ...item, readAt: item.readAt ?? now }];
  });
}

/** An older page appended, without the ones already listed (live arrivals shift the pages). */
export function appendOlder(items: Notification[], older: Notification[]): Notification[] {
  return [...items, ...older.filter((item) => !items.some((known) => known.id === item.id))];
}

/** A live notification at the top, once. */
export function addArrived(items: Notification[], notification: Notification): Notification[] {
  return items.some((item) => item.id === notification.id) ? items : [notification, ...items];
}

/** New notifications arrive live in every view but the archived one. */
export function showsArrivals(filter: Filter): boolean {
  return filter !== "archived";
}

export function emptyText(filter: Filter): string {
  if (filter === "unread") return "You are all caught up.";
  if (filter === "archived") return "Nothing archived.";
  return "No notifications yet. You will hear here when someone mentions you or adds you to a project.";
}

/** A plain left click on an in-app link navigates inside the app; other clicks are the browser's. */
export function opensInApp(
  click: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean },
  internal: boolean,
): boolean {
  return internal && click.button === 0 && !click.metaKey && !click.ctrlKey && !click.shiftKey;
}
