import { apiRoutes } from "@codepark/protocol/api";
import { eventTypeCatalogue } from "@codepark/protocol/event-schemas";
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
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Webhook endpoints of the caller, and the public catalogue of the events they can subscribe to. */
export const webhookRoutes = (ctx: Services) => [
  ...bind(apiRoutes.webhooks, {
    create: ({ actor, body, meta }) => createWebhook(ctx, actor, body, meta),
    list: ({ actor, query }) => listWebhooks(ctx, actor, query),
    get: ({ actor, params }) => getWebhook(ctx, actor, params.id),
    update: ({ actor, params, body }) => updateWebhook(ctx, actor, params.id, body),
    delete: ({ actor, params, meta }) => deleteWebhook(ctx, actor, params.id, meta),
    test: async ({ actor, params }) => {
      await sendTestEvent(ctx, actor, params.id);
      return { queued: true as const };
    },
    rotateSecret: ({ actor, params, meta }) => rotateWebhookSecret(ctx, actor, params.id, meta),
    listDeliveries: ({ actor, params, query }) => listDeliveries(ctx, actor, params.id, query),
    retryDelivery: async ({ actor, params }) => {
      await retryDelivery(ctx, actor, params.id, params.deliveryId);
      return { queued: true as const };
    },
  }),
  ...bind(apiRoutes.eventTypes, {
    list: () => ({ items: eventTypeCatalogue() }),
  }),
];
