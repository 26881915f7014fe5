import { z } from "zod";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";
import {
  notification,
  notificationIdsBody,
  notificationListQuery,
  notificationPreferences,
  notificationPreferencesBody,
  unreadCount,
} from "../notifications.ts";
import { pushSubscription, pushSubscriptionCreateBody, vapidPublicKey } from "../push.ts";

const tags = ["notifications"];

/** The caller's inbox and notification preferences: your own account, so API keys need users:read/write. */
export const notificationRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/notifications",
    tags,
    summary: "Your notifications, newest first (?unread=true, ?archived=true)",
    auth: "user",
    scope: "users:read",
    query: notificationListQuery,
    responses: { 200: pageOf(notification) },
  }),
  unreadCount: defineRoute({
    method: "GET",
    path: "/notifications/unread-count",
    tags,
    summary: "How many of your notifications are unread",
    auth: "user",
    scope: "users:read",
    responses: { 200: unreadCount },
  }),
  markRead: defineRoute({
    method: "POST",
    path: "/notifications/read",
    tags,
    summary: "Mark notifications read; answers the new unread count",
    auth: "user",
    scope: "users:write",
    body: notificationIdsBody,
    responses: { 200: unreadCount },
  }),
  markAllRead: defineRoute({
    method: "POST",
    path: "/notifications/read-all",
    tags,
    summary: "Mark every notification read; answers the new unread count",
    auth: "user",
    scope: "users:write",
    responses: { 200: unreadCount },
  }),
  archive: defineRoute({
    method: "POST",
    path: "/notifications/archive",
    tags,
    summary: "Archive notifications (an unread one is also marked read); answers the new unread count",
    auth: "user",
    scope: "users:write",
    body: notificationIdsBody,
    responses: { 200: unreadCount },
  }),
  getPreferences: defineRoute({
    method: "GET",
    path: "/notification-preferences",
    tags,
    summary: "Which notifications reach you by email and push (defaults filled in)",
    auth: "user",
    scope: "users:read",
    responses: { 200: notificationPreferences },
  }),
  updatePreferences: defineRoute({
    method: "PUT",
    path: "/notification-preferences",
    tags,
    summary: "Change notification preferences; what is left out keeps its setting",
    auth: "user",
    scope: "users:write",
    body: notificationPreferencesBody,
    responses: { 200: notificationPreferences },
  }),
};

/** Web Push: the key browsers subscribe with, and the caller's subscriptions (one per browser/device). */
export const pushRoutes = {
  vapidPublicKey: defineRoute({
    method: "GET",
    path: "/push/vapid-public-key",
    tags: ["push"],
    summary: "The VAPID public key to pass to pushManager.subscribe() as applicationServerKey",
    auth: "user",
    responses: { 200: vapidPublicKey },
  }),
  subscribe: defineRoute({
    method: "POST",
    path: "/push-subscriptions",
    tags: ["push"],
    summary: "Save this browser's push subscription (the same endpoint again replaces it)",
    auth: "user",
    scope: "users:write",
    body: pushSubscriptionCreateBody,
    responses: { 201: pushSubscription },
  }),
  list: defineRoute({
    method: "GET",
    path: "/push-subscriptions",
    tags: ["push"],
    summary: "Your push subscriptions, newest first",
    auth: "user",
    scope: "users:read",
    query: pageQuery,
    responses: { 200: pageOf(pushSubscription) },
  }),
  unsubscribe: defineRoute({
    method: "DELETE",
    path: "/push-subscriptions/:id",
    tags: ["push"],
    summary: "Remove a push subscription",
    auth: "user",
    scope: "users:write",
    params: z.object({ id }),
    responses: { 204: null },
  }),
};
