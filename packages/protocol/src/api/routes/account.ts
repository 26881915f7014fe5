import { z } from "zod";
import { apiKey, apiKeyCreateBody, apiKeyCreated, session, user } from "../auth.ts";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";

/** The signed-in person's own account: profile and sessions (devices). */
export const accountRoutes = {
  me: defineRoute({
    method: "GET",
    path: "/me",
    tags: ["account"],
    summary: "Who am I",
    // Any credential of the user, an API key of any scope too.
    auth: "user",
    responses: { 200: user },
  }),
  listSessions: defineRoute({
    method: "GET",
    path: "/sessions",
    tags: ["account"],
    summary: "Active sessions (devices)",
    auth: "session",
    query: pageQuery,
    responses: { 200: pageOf(session) },
  }),
  revokeSession: defineRoute({
    method: "DELETE",
    path: "/sessions/:id",
    tags: ["account"],
    summary: "Revoke a session (sign a device out)",
    auth: "session",
    params: z.object({ id }),
    responses: { 204: null },
  }),
};

/** API keys are managed from a signed-in session only. */
export const apiKeyRoutes = {
  create: defineRoute({
    method: "POST",
    path: "/api-keys",
    tags: ["api-keys"],
    summary: "Create an API key (the key is shown once)",
    auth: "session",
    body: apiKeyCreateBody,
    responses: { 201: apiKeyCreated },
  }),
  list: defineRoute({
    method: "GET",
    path: "/api-keys",
    tags: ["api-keys"],
    summary: "Your API keys",
    auth: "session",
    query: pageQuery,
    responses: { 200: pageOf(apiKey) },
  }),
  revoke: defineRoute({
    method: "DELETE",
    path: "/api-keys/:id",
    tags: ["api-keys"],
    summary: "Revoke an API key",
    auth: "session",
    params: z.object({ id }),
    responses: { 204: null },
  }),
};
