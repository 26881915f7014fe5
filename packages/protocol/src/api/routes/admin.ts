import { z } from "zod";
import { auditEntry, auditQuery } from "../audit.ts";
import { user, userPatchBody } from "../auth.ts";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";
import { job, jobListQuery } from "../webhooks.ts";

/** Instance administration: admins list accounts and change roles. */
export const userRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/users",
    tags: ["users"],
    summary: "All accounts (admin)",
    auth: "user",
    scope: "users:read",
    query: pageQuery,
    responses: { 200: pageOf(user) },
  }),
  update: defineRoute({
    method: "PATCH",
    path: "/users/:id",
    tags: ["users"],
    summary: "Change an account's role or name (admin)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id }),
    body: userPatchBody,
    responses: { 200: user },
  }),
};

/** The durable job queue, for admins: inspect by state (dead = the dead-letter list) and retry. */
export const jobRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/jobs",
    tags: ["jobs"],
    summary: "Jobs by state and queue (admin)",
    auth: "user",
    scope: "users:write",
    query: jobListQuery,
    responses: { 200: pageOf(job) },
  }),
  retry: defineRoute({
    method: "POST",
    path: "/jobs/:id/retry",
    tags: ["jobs"],
    summary: "Retry a dead job (admin)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id: z.coerce.number().int().positive() }),
    responses: { 200: job },
  }),
};

/** The audit log, read-only: there is deliberately no route that changes or removes an entry. */
export const auditRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/audit",
    tags: ["audit"],
    summary: "Security-relevant actions, newest first (admins: all; others: their own)",
    auth: "user",
    scope: "users:read",
    query: auditQuery,
    responses: { 200: pageOf(auditEntry) },
  }),
};
