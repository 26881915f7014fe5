import {
  apiKeyCreateBody,
  auditQuery,
  notificationIdsBody,
  webhookCreateBody,
  webhookUpdateBody,
} from "@codepark/protocol/api";
import { eventTypeCatalogue } from "@codepark/protocol/event-schemas";
import { listAudit } from "../../../domain/audit/query.ts";
import { createApiKey, deleteApiKey, listApiKeys } from "../../../domain/auth/api-keys.ts";
import {
  archive,
  listNotifications,
  markAllRead,
  markRead,
  unreadCount,
} from "../../../domain/notifications/inbox.ts";
import { requireSession } from "../../../domain/policy.ts";
import { getUser } from "../../../domain/users/admin.ts";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  retryDelivery,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from "../../../domain/webhooks/commands.ts";
import { actorIn, type GraphqlContext } from "../context.ts";
import { defined, pageArgs, parseInput } from "../input.ts";
import type { ResolverMap } from "./types.ts";

const done = async (work: Promise<unknown>) => {
  await work;
  return true;
};

/** API keys are managed from a signed-in session only, as on REST. */
const sessionIn = (c: GraphqlContext) => {
  const actor = actorIn(c);
  requireSession(actor);
  return actor;
};

/** The caller's account: profile, inbox, webhooks, API keys, audit log; the event catalogue. */
export const accountResolvers: ResolverMap = {
  Query: {
    me: (_, __, c) => getUser(c.ctx, actorIn(c).userId),
    notifications: (_, { unread, archived, ...args }, c) =>
      listNotifications(c.ctx, actorIn(c), { ...pageArgs(args), ...defined({ unread, archived }) }),
    unreadNotifications: (_, __, c) => unreadCount(c.ctx, actorIn(c)),
    webhooks: (_, args, c) => listWebhooks(c.ctx, actorIn(c), pageArgs(args)),
    webhook: (_, { id }, c) => getWebhook(c.ctx, actorIn(c), id),
    deliveries: (_, { webhookId, ...args }, c) =>
      listDeliveries(c.ctx, actorIn(c), webhookId, pageArgs(args)),
    auditLog: (_, args, c) => {
      const { action, since, until, actorId, ...page } = parseInput(auditQuery, defined(args), "args");
      return listAudit(
        c.ctx,
        actorIn(c),
        {
          actions: action?.split(","),
          since: since ? new Date(since) : undefined,
          until: until ? new Date(until) : undefined,
          actorId,
        },
        page,
      );
    },
    eventTypes: () => eventTypeCatalogue(),
    apiKeys: (_, args, c) => listApiKeys(c.ctx, sessionIn(c).userId, pageArgs(args)),
  },
  Mutation: {
    markNotificationsRead: (_, { ids }, c) =>
      markRead(c.ctx, actorIn(c), parseInput(notificationIdsBody, { ids }).ids),
    markAllNotificationsRead: (_, __, c) => markAllRead(c.ctx, actorIn(c)),
    archiveNotifications: (_, { ids }, c) =>
      archive(c.ctx, actorIn(c), parseInput(notificationIdsBody, { ids }).ids),
    createWebhook: (_, { input }, c) =>
      createWebhook(c.ctx, actorIn(c), parseInput(webhookCreateBody, defined(input)), c.meta),
    updateWebhook: (_, { id, input }, c) =>
      updateWebhook(c.ctx, actorIn(c), id, parseInput(webhookUpdateBody, defined(input))),
    deleteWebhook: (_, { id }, c) => done(deleteWebhook(c.ctx, actorIn(c), id, c.meta)),
    testWebhook: (_, { id }, c) => done(sendTestEvent(c.ctx, actorIn(c), id)),
    rotateWebhookSecret: (_, { id }, c) => rotateWebhookSecret(c.ctx, actorIn(c), id, c.meta),
    retryDelivery: (_, { webhookId, deliveryId }, c) =>
      done(retryDelivery(c.ctx, actorIn(c), webhookId, deliveryId)),
    createApiKey: (_, { name, scopes }, c) =>
      createApiKey(c.ctx, sessionIn(c).userId, parseInput(apiKeyCreateBody, { name, scopes }), c.meta),
    revokeApiKey: (_, { id }, c) => done(deleteApiKey(c.ctx, sessionIn(c).userId, id, c.meta)),
  },
};
