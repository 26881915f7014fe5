import { apiRoutes } from "@codepark/protocol/api";
import { login } from "../../../domain/auth/login.ts";
import { refreshSession, revokeSession } from "../../../domain/auth/sessions.ts";
import { beginTwoFactorSetup, disableTwoFactor, enableTwoFactor } from "../../../domain/auth/two-factor.ts";
import { registerUser } from "../../../domain/users/register.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Credentials for tokens (public), signing out and two-factor authentication (sessions only). */
export const authRoutes = (ctx: Services) =>
  bind(apiRoutes.auth, {
    register: ({ body, meta }) => registerUser(ctx, body, meta),
    login: ({ body, meta }) => login(ctx, body, meta),
    refresh: ({ body, meta }) => refreshSession(ctx, body.refreshToken, meta),
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
