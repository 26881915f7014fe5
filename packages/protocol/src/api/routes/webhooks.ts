import { z } from "zod";
import { eventType } from "../../event-schemas.ts";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";
import {
  webhook,
  webhookCreateBody,
  webhookDelivery,
  webhookUpdateBody,
  webhookWithSecret,
} from "../webhooks.ts";

const tags = ["webhooks"];
const params = z.object({ id });
const queued = z.object({ queued: z.literal(true) });

/** Webhook endpoints of the caller: Standard Webhooks deliveries of the events they subscribe to. */
export const webhookRoutes = {
  create: defineRoute({
    method: "POST",
    path: "/webhooks",
    tags,
    summary: "Create a webhook endpoint (its secret is shown once)",
    auth: "user",
    scope: "webhooks:write",
    body: webhookCreateBody,
    responses: { 201: webhookWithSecret },
  }),
  list: defineRoute({
    method: "GET",
    path: "/webhooks",
    tags,
    summary: "Your webhook endpoints",
    auth: "user",
    scope: "webhooks:read",
    query: pageQuery,
    responses: { 200: pageOf(webhook) },
  }),
  get: defineRoute({
    method: "GET",
    path: "/webhooks/:id",
    tags,
    summary: "One webhook endpoint",
    auth: "user",
    scope: "webhooks:read",
    params,
    responses: { 200: webhook },
  }),
  update: defineRoute({
    method: "PUT",
    path: "/webhooks/:id",
    tags,
    summary: "Change a webhook endpoint (setting active: true re-enables one the server switched off)",
    auth: "user",
    scope: "webhooks:write",
    params,
    body: webhookUpdateBody,
    responses: { 200: webhook },
  }),
  delete: defineRoute({
    method: "DELETE",
    path: "/webhooks/:id",
    tags,
    summary: "Delete a webhook endpoint",
    auth: "user",
    scope: "webhooks:write",
    params,
    responses: { 204: null },
  }),
  test: defineRoute({
    method: "POST",
    path: "/webhooks/:id/test",
    tags,
    summary: "Send a webhook.test event to this endpoint",
    auth: "user",
    scope: "webhooks:write",
    params,
    responses: { 202: queued },
  }),
  rotateSecret: defineRoute({
    method: "POST",
    path: "/webhooks/:id/rotate-secret",
    tags,
    summary: "New secret (shown once); the old one also signs for 24 hours",
    auth: "user",
    scope: "webhooks:write",
    params,
    responses: { 200: webhookWithSecret },
  }),
  listDeliveries: defineRoute({
    method: "GET",
    path: "/webhooks/:id/deliveries",
    tags,
    summary: "Deliveries to this endpoint, newest first, each with its attempts",
    auth: "user",
    scope: "webhooks:read",
    params,
    query: pageQuery,
    responses: { 200: pageOf(webhookDelivery) },
  }),
  retryDelivery: defineRoute({
    method: "POST",
    path: "/webhooks/:id/deliveries/:deliveryId/retry",
    tags,
    summary: "Try a failed delivery again (same webhook-id)",
    auth: "user",
    scope: "webhooks:write",
    params: z.object({ id, deliveryId: id }),
    responses: { 202: queued },
  }),
};

/** The public event catalogue: documentation for webhook receivers, so it needs no token. */
export const eventTypeRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/event-types",
    tags: ["events"],
    summary: "Domain events webhooks can deliver, with the JSON Schema of each delivery body",
    auth: "public",
    responses: { 200: z.object({ items: z.array(eventType) }) },
  }),
};
