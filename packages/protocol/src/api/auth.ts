import { z } from "zod";
import { apiKeyScopes, userPlans, userRoles } from "../auth.ts";
import { id, isoDate, noBidi } from "./common.ts";

export const email = z.string().trim().max(254).pipe(z.email());
/** Length is checked by the server's password policy (with a clear message), not here. */
export const password = z.string().min(1).max(1024);
const displayName = noBidi(z.string().trim().min(1).max(100));

export const user = z.object({
  id,
  email: z.string(),
  name: z.string(),
  role: z.enum(userRoles),
  plan: z.enum(userPlans),
  emailVerified: z.boolean(),
  twoFactorEnabled: z.boolean(),
  createdAt: isoDate,
});
export type User = z.infer<typeof user>;

export const registerBody = z.strictObject({ email, password, name: displayName });
export const loginBody = z.strictObject({
  email: z.string().max(254),
  password,
  otp: z.string().max(16).optional(),
  recoveryCode: z.string().max(64).optional(),
});
export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(512) });
export const logoutBody = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() }).optional();

export const authResult = z.object({ user, accessToken: z.string(), refreshToken: z.string() });
export type AuthResult = z.infer<typeof authResult>;

export const session = z.object({
  id,
  createdAt: isoDate,
  lastSeenAt: isoDate,
  expiresAt: isoDate,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

export const twoFactorSetup = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
  qrCodeDataUrl: z.string(),
});
export const codeBody = z.strictObject({ code: z.string().trim().min(1).max(64) });
export const recoveryCodesResult = z.object({ recoveryCodes: z.array(z.string()) });

export const apiKeyCreateBody = z.strictObject({
  name: noBidi(z.string().trim().min(1).max(100)),
  scopes: z.array(z.enum(apiKeyScopes)).min(1).max(apiKeyScopes.length),
});
export const apiKey = z.object({
  id,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(apiKeyScopes)),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
});
export const apiKeyCreated = apiKey.extend({ key: z.string().describe("Shown once; store it now") });

export const userPatchBody = z
  .strictObject({
    role: z.enum(userRoles).optional(),
    plan: z.enum(userPlans).optional().describe("Rate-limit tier (docs/security.md)"),
    name: displayName.optional(),
  })
  .refine(
    (body) => body.role !== undefined || body.plan !== undefined || body.name !== undefined,
    "Give at least one of role, plan, name",
  );
