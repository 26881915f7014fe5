import { z } from "zod";

/** How people can sign in here: the web app shows a button per external provider. */
export const authProviders = z.object({
  password: z.boolean().describe("Email and password sign-in (always on)"),
  oidc: z
    .object({ name: z.string().describe("The provider's label, for 'Sign in with <name>'") })
    .nullable()
    .describe("OpenID Connect sign-in, null when not configured"),
});
export type AuthProviders = z.infer<typeof authProviders>;

export const oidcStartQuery = z.strictObject({
  redirect: z
    .string()
    .max(2048)
    .optional()
    .describe("A path of the web app to return to after signing in (other values are ignored)"),
});

/** What the provider sends back (RFC 6749 §4.1.2, RFC 9207 `iss`); other parameters are allowed. */
export const oidcCallbackQuery = z.looseObject({
  code: z.string().max(4096).optional(),
  state: z.string().max(1024).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

export const oidcExchangeBody = z.strictObject({
  code: z.string().min(1).max(256).describe("The one-time code from /sign-in/oidc?code=…"),
  otp: z.string().max(16).optional(),
  recoveryCode: z.string().max(64).optional(),
});
