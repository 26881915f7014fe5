import { z } from "zod";
import { id, isoDate } from "./common.ts";

/** What becomes of the projects a departing person is the only owner of. */
export const ownedProjectsChoices = ["transfer", "delete"] as const;
export type OwnedProjectsChoice = (typeof ownedProjectsChoices)[number];

/** A data export (an archive of everything about one person), as its status is listed. */
export const dataExport = z.object({
  id,
  status: z.enum(["pending", "ready", "failed"]),
  /** Bytes of the ZIP archive, once ready. */
  size: z.number().int().nullable(),
  /** Who asked for it: the person, or an admin on their behalf. */
  requestedBy: z.enum(["self", "admin"]),
  createdAt: isoDate,
  readyAt: isoDate.nullable(),
  /** When the archive is deleted; a download link works only until then (and for its own hour). */
  expiresAt: isoDate.nullable(),
});
export type DataExport = z.infer<typeof dataExport>;

export const dataExportList = z.object({ items: z.array(dataExport) });

/** A short-lived download link: whoever holds it can download the archive until `expiresAt`. */
export const exportLink = z.object({
  url: z.string().describe("Absolute when PUBLIC_URL is set, otherwise a path on this server"),
  expiresAt: isoDate,
});

export const exportDownloadQuery = z.strictObject({ token: z.string().min(1).max(256) });

/**
 * How the departing person's sole-owned projects are handled: `ownedProjects` for all of them
 * ("transfer" to the longest-standing editor, else viewer; "delete"), and `transferTo`
 * (project id → member id) names the new owner of particular projects, which are then always
 * transferred, whatever `ownedProjects` says.
 */
const ownedProjectsFields = {
  ownedProjects: z.enum(ownedProjectsChoices).default("transfer"),
  transferTo: z.record(id, id).optional(),
};

/** `DELETE /me`: the password, and the second factor when two-factor authentication is on. */
export const deleteAccountBody = z.strictObject({
  password: z.string().min(1).max(1024),
  otp: z.string().max(16).optional(),
  recoveryCode: z.string().max(64).optional(),
  ...ownedProjectsFields,
});

/** `DELETE /users/:id` (admin): no password, the same choice for owned projects. */
export const deleteUserBody = z.strictObject(ownedProjectsFields).default({ ownedProjects: "transfer" });
