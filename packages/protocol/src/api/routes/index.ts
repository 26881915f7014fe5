import { z } from "zod";
import { defineRoute } from "../contract.ts";
import { accountRoutes, apiKeyRoutes } from "./account.ts";
import { auditRoutes, jobRoutes, userRoutes } from "./admin.ts";
import { authRoutes } from "./auth.ts";
import { chatRoutes } from "./chat.ts";
import { notificationRoutes, pushRoutes } from "./notifications.ts";
import { oidcRoutes } from "./oidc.ts";
import { privacyRoutes, userPrivacyRoutes } from "./privacy.ts";
import { fileRoutes, memberRoutes, projectRoutes, versionRoutes } from "./projects.ts";
import { eventTypeRoutes, webhookRoutes } from "./webhooks.ts";

/** The API's own description. */
const metaRoutes = {
  openapi: defineRoute({
    method: "GET",
    path: "/openapi.json",
    tags: ["meta"],
    summary: "This API as an OpenAPI 3.1 document",
    auth: "public",
    responses: { 200: z.record(z.string(), z.unknown()) },
    hidden: true,
  }),
};

/** Every route under API_BASE_PATH, by area: `apiRoutes.projects.get`. */
export const apiRoutes = {
  meta: metaRoutes,
  auth: authRoutes,
  oidc: oidcRoutes,
  account: accountRoutes,
  apiKeys: apiKeyRoutes,
  users: userRoutes,
  projects: projectRoutes,
  members: memberRoutes,
  files: fileRoutes,
  versions: versionRoutes,
  webhooks: webhookRoutes,
  eventTypes: eventTypeRoutes,
  jobs: jobRoutes,
  chat: chatRoutes,
  audit: auditRoutes,
  notifications: notificationRoutes,
  push: pushRoutes,
  privacy: privacyRoutes,
  userPrivacy: userPrivacyRoutes,
};

export type ApiRoutes = typeof apiRoutes;
