import { apiRoutes } from "@codepark/protocol/api";
import { listAudit } from "../../../domain/audit/query.ts";
import { listJobs, retryJob } from "../../../domain/jobs/admin.ts";
import { authorizeAccount } from "../../../domain/policy.ts";
import { listUsers, updateUser } from "../../../domain/users/admin.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Accounts (admins list them and change roles), the job queue (admins), the audit log (read-only). */
export const adminRoutes = (ctx: Services) => [
  ...bind(apiRoutes.users, {
    list: ({ actor, query }) => {
      authorizeAccount(actor, "users:list");
      return listUsers(ctx, query);
    },
    update: ({ actor, params, body, meta }) => {
      authorizeAccount(actor, "users:manage");
      return updateUser(ctx, actor, params.id, body, meta);
    },
  }),
  ...bind(apiRoutes.jobs, {
    list: ({ actor, query: { state, queue, ...page } }) => listJobs(ctx, actor, { state, queue }, page),
    retry: ({ actor, params }) => retryJob(ctx, actor, params.id),
  }),
  ...bind(apiRoutes.audit, {
    list: ({ actor, query: { action, since, until, actorId, ...page } }) =>
      listAudit(
        ctx,
        actor,
        {
          actions: action?.split(","),
          since: since ? new Date(since) : undefined,
          until: until ? new Date(until) : undefined,
          actorId,
        },
        page,
      ),
  }),
];
