import {
  authResult,
  codeBody,
  loginBody,
  recoveryCodesResult,
  refreshBody,
  registerBody,
  twoFactorSetup,
} from "../auth.ts";
import { defineRoute } from "../contract.ts";

const tags = ["auth"];

/** Credentials for tokens (public), signing out, and two-factor authentication (signed-in sessions only). */
export const authRoutes = {
  register: defineRoute({
    method: "POST",
    path: "/auth/register",
    tags,
    summary: "Create an account",
    auth: "public",
    body: registerBody,
    responses: { 201: authResult },
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
