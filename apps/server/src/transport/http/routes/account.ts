import { apiRoutes } from "@codepark/protocol/api";
import { changePassword } from "../../../domain/account/password-change.ts";
import { updateProfile } from "../../../domain/account/profile.ts";
import { resendVerification } from "../../../domain/account/verification.ts";
import { createApiKey, deleteApiKey, listApiKeys } from "../../../domain/auth/api-keys.ts";
import { listSessions, revokeSession } from "../../../domain/auth/sessions.ts";
import { getUser } from "../../../domain/users/admin.ts";
import type { Services } from "../../../services.ts";
import { requestOrigin } from "../origin.ts";
import { bind } from "../route.ts";

/** The signed-in person's own account: profile, password, verification, sessions (devices), API keys. */
export const accountRoutes = (ctx: Services) => [
  ...bind(apiRoutes.account, {
    me: ({ actor }) => getUser(ctx, actor.userId),
    updateMe: ({ actor, body, meta, request }) =>
      updateProfile(ctx, actor.userId, body, meta, requestOrigin(request)),
    changePassword: ({ actor, body, meta, request }) =>
      changePassword(ctx, actor, body, meta, requestOrigin(request)),
    resendVerification: ({ actor, request }) => resendVerification(ctx, actor.userId, requestOrigin(request)),
    listSessions: ({ actor, query }) => listSessions(ctx, actor.userId, actor.sessionId, query),
    revokeSession: ({ actor, params, meta }) => revokeSession(ctx, actor.userId, params.id, "revoked", meta),
  }),
  ...bind(apiRoutes.apiKeys, {
    create: ({ actor, body, meta }) => createApiKey(ctx, actor.userId, body, meta),
    list: ({ actor, query }) => listApiKeys(ctx, actor.userId, query),
    revoke: ({ actor, params, meta }) => deleteApiKey(ctx, actor.userId, params.id, meta),
  }),
];
