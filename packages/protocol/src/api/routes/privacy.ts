import { z } from "zod";
import { id } from "../common.ts";
import { defineRoute } from "../contract.ts";
import {
  dataExport,
  dataExportList,
  deleteAccountBody,
  deleteUserBody,
  exportDownloadQuery,
  exportLink,
} from "../privacy.ts";

/** The person's own data (GDPR): export it, download it, delete the account. docs/privacy.md. */
export const privacyRoutes = {
  requestExport: defineRoute({
    method: "POST",
    path: "/me/export",
    tags: ["privacy"],
    summary: "Ask for an archive of everything about you (built in the background)",
    description:
      "Answers 202 with the export; when the archive is ready you are notified (in-app and by email) with a download link that works for an hour. A request while one is still being built answers that one.",
    auth: "session",
    responses: { 202: dataExport },
  }),
  listExports: defineRoute({
    method: "GET",
    path: "/me/exports",
    tags: ["privacy"],
    summary: "Your data exports and their status, newest first",
    auth: "session",
    responses: { 200: dataExportList },
  }),
  exportLink: defineRoute({
    method: "POST",
    path: "/me/exports/:id/link",
    tags: ["privacy"],
    summary: "A fresh one-hour download link for a ready export",
    auth: "session",
    params: z.object({ id }),
    responses: { 201: exportLink },
  }),
  download: defineRoute({
    method: "GET",
    path: "/me/exports/:id/download",
    tags: ["privacy"],
    summary: "Download an export's ZIP archive with the link's token",
    description:
      "The token is the credential (links are opened from an email or a browser tab, without a bearer token). Answers application/zip.",
    auth: "public",
    params: z.object({ id }),
    query: exportDownloadQuery,
    responses: { 200: z.string().describe("application/zip") },
  }),
  deleteAccount: defineRoute({
    method: "DELETE",
    path: "/me",
    tags: ["privacy"],
    summary: "Delete your account (password, and the second factor when it is on)",
    description:
      "Removes your sessions, keys, notifications and memberships; your chat messages stay in place as a deleted user's, without their text; the audit log keeps a pseudonymous record. Projects you alone own are transferred or deleted as you choose.",
    auth: "session",
    body: deleteAccountBody,
    responses: { 204: null },
  }),
};

/** The same for admins acting on an account (a request made to them, a departed employee). */
export const userPrivacyRoutes = {
  requestExport: defineRoute({
    method: "POST",
    path: "/users/:id/export",
    tags: ["users", "privacy"],
    summary: "Build an archive of everything about an account (admin)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id }),
    responses: { 202: dataExport },
  }),
  listExports: defineRoute({
    method: "GET",
    path: "/users/:id/exports",
    tags: ["users", "privacy"],
    summary: "An account's data exports (admin)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id }),
    responses: { 200: dataExportList },
  }),
  exportLink: defineRoute({
    method: "POST",
    path: "/users/:id/exports/:exportId/link",
    tags: ["users", "privacy"],
    summary: "A one-hour download link for an account's ready export (admin)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id, exportId: id }),
    responses: { 201: exportLink },
  }),
  deleteUser: defineRoute({
    method: "DELETE",
    path: "/users/:id",
    tags: ["users", "privacy"],
    summary: "Delete an account (admin; not your own: use DELETE /me)",
    auth: "user",
    scope: "users:write",
    params: z.object({ id }),
    body: deleteUserBody,
    responses: { 204: null },
  }),
};
