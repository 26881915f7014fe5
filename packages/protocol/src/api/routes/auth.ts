import {
  authResult,
  codeBody,
  forgotPasswordAccepted,
  forgotPasswordBody,
  loginBody,
  recoveryCodesResult,
  refreshBody,
  registerAccepted,
  registerBody,
  resetPasswordBody,
  twoFactorSetup,
  verifyEmailBody,
} from "../auth.ts";
import { defineRoute } from "../contract.ts";

const tags = ["auth"];

/**
 * Credentials for tokens, password reset and email verification (public), signing out, and two-factor
 * authentication (signed-in sessions only).
 */
export const authRoutes = {
  register: defineRoute({
    method: "POST",
    path: "/auth/register",
    tags,
    summary: "Create an account (then sign in); the same answer when the email is taken",
    description:
      "Answers 202 whether or not the address already has an account, so it cannot be used to find out. " +
      "A new address gets an account (unverified) and a verification email; a taken one gets an email " +
      "to its owner instead. Sign in next with `POST /auth/login`.",
    auth: "public",
    body: registerBody,
    responses: { 202: registerAccepted },
  }),
  login: defineRoute({
    method: "POST",
    path: "/auth/login",
    tags,
    summary: "Sign in (with a TOTP or recovery code when 2FA is on)",
    auth: "public",
    body: loginBody,
    responses: { 200: authResult },
  }),
  refresh: defineRoute({
    method: "POST",
    path: "/auth/refresh",
    tags,
    summary: "Rotate a refresh token for a new token pair",
    auth: "public",
    body: refreshBody,
    responses: { 200: authResult },
  }),
  forgotPassword: defineRoute({
    method: "POST",
    path: "/auth/password/forgot",
    tags,
    summary: "Email a password-reset link (the same answer whether or not an account uses the address)",
    auth: "public",
    body: forgotPasswordBody,
    responses: { 202: forgotPasswordAccepted },
  }),
  resetPassword: defineRoute({
    method: "POST",
    path: "/auth/password/reset",
    tags,
    summary: "Set a new password with the token from a reset link; signs every session out",
    auth: "public",
    body: resetPasswordBody,
    responses: { 204: null },
  }),
  verifyEmail: defineRoute({
    method: "POST",
    path: "/auth/verify-email",
    tags,
    summary: "Verify an email address (or finish an address change) with the token from its link",
    auth: "public",
    body: verifyEmailBody,
    responses: { 204: null },
  }),
  logout: defineRoute({
    method: "POST",
    path: "/auth/logout",
    tags,
    summary: "Sign out this session (its refresh tokens stop working)",
    auth: "session",
    responses: { 204: null },
  }),
  twoFactorSetup: defineRoute({
    method: "POST",
    path: "/auth/2fa/setup",
    tags,
    summary: "Start TOTP setup: secret, otpauth URL and QR code",
    auth: "session",
    responses: { 200: twoFactorSetup },
  }),
  twoFactorEnable: defineRoute({
    method: "POST",
    path: "/auth/2fa/enable",
    tags,
    summary: "Confirm TOTP setup with a code; returns 10 single-use recovery codes (shown once)",
    auth: "session",
    body: codeBody,
    responses: { 200: recoveryCodesResult },
  }),
  twoFactorDisable: defineRoute({
    method: "POST",
    path: "/auth/2fa/disable",
    tags,
    summary: "Turn 2FA off with a TOTP code or a recovery code",
    auth: "session",
    body: codeBody,
    responses: { 204: null },
  }),
};
