import { z } from "zod";
import { projectRoles } from "../auth.ts";
import { id, isoDate, noBidi } from "./common.ts";

const name = noBidi(z.string().trim().min(1).max(100));
const description = z.string().max(2000);
const visibility = z.enum(["private", "public"]);

export const project = z.object({
  id,
  name: z.string(),
  description: z.string(),
  visibility,
  role: z.enum(projectRoles).nullable().describe("The caller's role; null when not a member"),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Project = z.infer<typeof project>;

export const projectCreateBody = z.strictObject({
  name,
  description: description.optional(),
  visibility: visibility.optional(),
});
export const projectPutBody = z.strictObject({
  name,
  description: description.default(""),
  visibility: visibility.default("private"),
});
export const projectPatchBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    visibility: visibility.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change");

export const member = z.object({
  userId: id,
  email: z.string(),
  name: z.string(),
  role: z.enum(projectRoles),
  joinedAt: isoDate,
});
export const memberAddBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  role: z.enum(projectRoles),
});
export const memberPatchBody = z.strictObject({ role: z.enum(projectRoles) });

/** Lengths are re-checked by the server's path rules with precise messages; these are outer bounds. */
export const filePath = noBidi(z.string().min(1).max(1024));
export const file = z.object({
  id,
  projectId: id,
  path: z.string(),
  language: z.string(),
  size: z.number().int().describe("UTF-8 bytes"),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export const fileWithContent = file.extend({ content: z.string() });
export const fileCreateBody = z.strictObject({ path: filePath, content: z.string().optional() });
export const filePatchBody = z
  .strictObject({ path: filePath.optional(), content: z.string().optional() })
  .refine((body) => body.path !== undefined || body.content !== undefined, "Give content, path or both");

export const version = z.object({
  id,
  fileId: id,
  name: z.string().nullable(),
  kind: z
    .enum(["auto", "named", "restore"])
    .describe("auto: checkpoint; named: saved by someone; restore: saved before a restore"),
  size: z.number().int(),
  createdBy: z.object({ id, name: z.string() }).nullable(),
  createdAt: isoDate,
});
export const versionWithContent = version.extend({ content: z.string() });
export const versionCreateBody = z.strictObject({ name: noBidi(z.string().trim().min(1).max(200)) });
