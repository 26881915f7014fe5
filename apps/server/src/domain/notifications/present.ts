import type { Notification } from "@codepark/protocol/api";
import type { NotificationKind } from "./kinds.ts";
import type { notifications } from "./schema.ts";
import { type Links, summarize } from "./templates.ts";

export type NotificationRow = typeof notifications.$inferSelect;

/** A row as the API and the `notification` event show it: the stored data plus its rendered summary. */
export function presentNotification(row: NotificationRow, links: Links): Notification {
  const { title, body, url } = summarize(row, links);
  return {
    id: row.id,
    kind: row.kind as NotificationKind,
    actorId: row.actorId,
    data: row.data,
    title,
    body,
    url,
    readAt: row.readAt?.toISOString() ?? null,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
