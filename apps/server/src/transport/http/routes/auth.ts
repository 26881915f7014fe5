import { apiRoutes } from "@codepark/protocol/api";
import { requestPasswordReset, resetPassword } from "../../../domain/account/password-reset.ts";
import { verifyEmail } from "../../../domain/account/verification.ts";
import { login } from "../../../domain/auth/login.ts";
import { refreshSession, revokeSession } from "../../../domain/auth/sessions.ts";
import { beginTwoFactorSetup, disableTwoFactor, enableTwoFactor } from "../../../domain/auth/two-factor.ts";
import { registerUser } from "../../../domain/users/register.ts";
import type { Services } from "../../../services.ts";
import { requestOrigin } from "../origin.ts";
import { bind } from "../route.ts";

/**
 * Credentials for tokens, password reset and email verification (public), signing out and two-factor
 * authentication (sessions only).
 */
export const authRoutes = (ctx: Services) =>
  bind(apiRoutes.auth, {
    register: ({ body, meta, request }) => registerUser(ctx, body, meta, requestOrigin(request)),
    login: ({ body, meta }) => login(ctx, body, meta),
    refresh: ({ body, meta }) => refreshSession(ctx, body.refreshToken, meta),
    forgotPassword: ({ body, meta, request }) =>
      requestPasswordReset(ctx, body.email, requestOrigin(request), meta),
    resetPassword: ({ body, meta, request }) => resetPassword(ctx, body, meta, requestOrigin(request)),
    verifyEmail: ({ body, meta }) => verifyEmail(ctx, body.token, meta),
    logout: ({ actor, meta }) => revokeSession(ctx, actor.userId, actor.sessionId, "logout", meta),
    twoFactorSetup: ({ actor }) => beginTwoFactorSetup(ctx, actor.userId),
    twoFactorEnable: ({ actor, body, meta }) => enableTwoFactor(ctx, actor.userId, body.code, meta),
    twoFactorDisable: ({ actor, body: { code }, meta }) =>
      disableTwoFactor(
        ctx,
        actor.userId,
        /^\d{6}$/.test(code) ? { otp: code } : { recoveryCode: code },
        meta,
      ),
  });
