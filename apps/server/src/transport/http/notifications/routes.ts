import {
  notification,
  notificationIdsBody,
  notificationListQuery,
  notificationPreferences,
  notificationPreferencesBody,
  pageOf,
  unreadCount,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import {
  archive,
  listNotifications,
  markAllRead,
  markRead,
  unreadCount as readUnreadCount,
} from "../../../domain/notifications/inbox.ts";
import { getPreferences, updatePreferences } from "../../../domain/notifications/preferences.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

const tags = ["notifications"];

/** The caller's inbox and notification preferences. */
export const notificationRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/notifications",
    {
      schema: {
        tags,
        summary: "Your notifications, newest first (?unread=true, ?archived=true)",
        querystring: notificationListQuery,
        response: { 200: pageOf(notification) },
      },
    },
    async (request) => listNotifications(ctx, actorOf(request), request.query),
  );

  app.get(
    "/notifications/unread-count",
    {
      schema: { tags, summary: "How many of your notifications are unread", response: { 200: unreadCount } },
    },
    async (request) => readUnreadCount(ctx, actorOf(request)),
  );

  app.post(
    "/notifications/read",
    {
      schema: {
        tags,
        summary: "Mark notifications read; answers the new unread count",
        body: notificationIdsBody,
        response: { 200: unreadCount },
      },
    },
    async (request) => markRead(ctx, actorOf(request), request.body.ids),
  );

  app.post(
    "/notifications/read-all",
    {
      schema: {
        tags,
        summary: "Mark every notification read; answers the new unread count",
        response: { 200: unreadCount },
      },
    },
    async (request) => markAllRead(ctx, actorOf(request)),
  );

  app.post(
    "/notifications/archive",
    {
      schema: {
        tags,
        summary: "Archive notifications (an unread one is also marked read); answers the new unread count",
        body: notificationIdsBody,
        response: { 200: unreadCount },
      },
    },
    async (request) => archive(ctx, actorOf(request), request.body.ids),
  );

  app.get(
    "/notification-preferences",
    {
      schema: {
        tags,
        summary: "Which notifications reach you by email and push (defaults filled in)",
        response: { 200: notificationPreferences },
      },
    },
    async (request) => getPreferences(ctx, actorOf(request)),
  );

  app.put(
    "/notification-preferences",
    {
      schema: {
        tags,
        summary: "Change notification preferences; what is left out keeps its setting",
        body: notificationPreferencesBody,
        response: { 200: notificationPreferences },
      },
    },
    async (request) => updatePreferences(ctx, actorOf(request), request.body),
  );
};
