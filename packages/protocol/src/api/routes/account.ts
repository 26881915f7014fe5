import { z } from "zod";
import {
  apiKey,
  apiKeyCreateBody,
  apiKeyCreated,
  changePasswordBody,
  profilePatchBody,
  profileResult,
  session,
  user,
  verificationSent,
} from "../auth.ts";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";

/** The signed-in person's own account: profile, password, email verification and sessions (devices). */
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
  updateMe: defineRoute({
    method: "PATCH",
    path: "/me",
    tags: ["account"],
    summary: "Change your name, or your email (needs the current password; takes effect once verified)",
    description:
      "A name changes at once. A new email is not used until the link sent to it is followed " +
      "(`POST /auth/verify-email`); the current address is told about the request.",
    auth: "session",
    body: profilePatchBody,
    responses: { 200: profileResult },
  }),
  changePassword: defineRoute({
    method: "POST",
    path: "/me/password",
    tags: ["account"],
    summary: "Change your password (signs your other sessions out)",
    auth: "session",
    body: changePasswordBody,
    responses: { 204: null },
  }),
  resendVerification: defineRoute({
    method: "POST",
    path: "/me/verify-email",
    tags: ["account"],
    summary: "Send the verification link for your email address again",
    auth: "session",
    responses: { 202: verificationSent },
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
