import { z } from "zod";
import { id, isoDate, pageQuery } from "./common.ts";

const timestamp = z.iso.datetime({ offset: true }).describe("ISO-8601 timestamp with Z or an offset");

export const auditQuery = pageQuery.extend({
  action: z
    .string()
    .max(1024)
    .regex(/^[a-z0-9_.]+(,[a-z0-9_.]+)*$/, "must be an action name or a comma-separated list of them")
    .optional()
    .describe("Exact action name, or a comma-separated list (e.g. auth.login_failed,mfa.disabled)"),
  since: timestamp.optional().describe("Only entries at or after this time"),
  until: timestamp.optional().describe("Only entries before this time"),
  actorId: id.optional().describe("Only entries by this actor (admins; others see their own entries only)"),
});

export const auditEntry = z.object({
  id,
  /** `<noun>.<past_verb>`, e.g. `auth.login_failed`, `api_key.created`, `member.role_changed`. */
  action: z.string(),
  /** Who acted; null for the server itself or an unknown caller (a sign-in with an unknown email). */
  actorId: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  occurredAt: isoDate,
});
export type AuditEntry = z.infer<typeof auditEntry>;
