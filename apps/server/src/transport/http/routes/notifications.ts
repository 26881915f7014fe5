import { apiRoutes } from "@codepark/protocol/api";
import {
  archive,
  listNotifications,
  markAllRead,
  markRead,
  unreadCount,
} from "../../../domain/notifications/inbox.ts";
import { getPreferences, updatePreferences } from "../../../domain/notifications/preferences.ts";
import {
  listPushSubscriptions,
  subscribePush,
  unsubscribePush,
} from "../../../domain/notifications/push-subscriptions.ts";
import type { PushSender } from "../../../domain/ports/push.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** The caller's inbox and notification preferences; Web Push: the key to subscribe with, subscriptions. */
export const notificationRoutes = (ctx: Services, push: Pick<PushSender, "publicKey">) => [
  ...bind(apiRoutes.notifications, {
    list: ({ actor, query }) => listNotifications(ctx, actor, query),
    unreadCount: ({ actor }) => unreadCount(ctx, actor),
    markRead: ({ actor, body }) => markRead(ctx, actor, body.ids),
    markAllRead: ({ actor }) => markAllRead(ctx, actor),
    archive: ({ actor, body }) => archive(ctx, actor, body.ids),
    getPreferences: ({ actor }) => getPreferences(ctx, actor),
    updatePreferences: ({ actor, body }) => updatePreferences(ctx, actor, body),
  }),
  ...bind(apiRoutes.push, {
    vapidPublicKey: () => ({ publicKey: push.publicKey }),
    subscribe: ({ actor, body, meta }) => subscribePush(ctx, actor, body, meta),
    list: ({ actor, query }) => listPushSubscriptions(ctx, actor, query),
    unsubscribe: ({ actor, params }) => unsubscribePush(ctx, actor, params.id),
  }),
];
