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
/**
 * The same answer whether or not the address already has an account (the owner is emailed instead):
 * sign in next with the same credentials.
 */
export const registerAccepted = z.object({ status: z.literal("verification_sent") });
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

/** A single-use token from an emailed link (password reset, email verification). */
const accountToken = z.string().trim().min(1).max(256);

export const forgotPasswordBody = z.strictObject({ email });
/** The same answer whether or not an account uses the address. */
export const forgotPasswordAccepted = z.object({ status: z.literal("accepted") });
export const resetPasswordBody = z.strictObject({ token: accountToken, newPassword: password });
export const verifyEmailBody = z.strictObject({ token: accountToken });
export const verificationSent = z.object({ status: z.literal("verification_sent") });
export const changePasswordBody = z.strictObject({ currentPassword: password, newPassword: password });

/** A person's own profile change: a new email needs the current password and waits for verification. */
export const profilePatchBody = z
  .strictObject({
    name: displayName.optional(),
    email: email.optional(),
    currentPassword: password.optional(),
  })
  .refine((body) => body.name !== undefined || body.email !== undefined, "Give at least one of name, email")
  .refine((body) => body.email === undefined || body.currentPassword !== undefined, {
    message: "Enter your current password to change your email",
    path: ["currentPassword"],
  });
export const profileResult = z.object({
  user,
  /** The address waiting for verification (a link went to it), null when none was asked for. */
  pendingEmail: z.string().nullable(),
});

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
