import { apiRoutes } from "@codepark/protocol/api";
import { authorizeAccount } from "../../../domain/policy.ts";
import { deleteOwnAccount, deleteUserAccount } from "../../../domain/privacy/delete-account.ts";
import {
  listExports,
  newDownloadLink,
  openDownload,
  requestExport,
} from "../../../domain/privacy/exports.ts";
import { getUser } from "../../../domain/users/admin.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Data export and account deletion (docs/privacy.md): the person's own, and admins' for anyone. */
export const privacyRoutes = (ctx: Services) => [
  ...bind(apiRoutes.privacy, {
    requestExport: ({ actor, meta }) => requestExport(ctx, actor, actor.userId, meta),
    listExports: ({ actor }) => listExports(ctx, actor.userId),
    exportLink: ({ actor, params, meta }) => newDownloadLink(ctx, actor, actor.userId, params.id, meta),
    download: async ({ params, query, meta, reply }) => {
      const { archive, filename } = await openDownload(ctx, params.id, query.token, meta);
      return reply
        .type("application/zip")
        .header("content-disposition", `attachment; filename="${filename}"`)
        .header("cache-control", "no-store")
        .send(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
    },
    deleteAccount: ({ actor, body, meta }) => deleteOwnAccount(ctx, actor, body, meta),
  }),
  ...bind(apiRoutes.userPrivacy, {
    requestExport: async ({ actor, params, meta }) => {
      authorizeAccount(actor, "users:manage");
      return requestExport(ctx, actor, params.id, meta);
    },
    listExports: async ({ actor, params }) => {
      authorizeAccount(actor, "users:manage");
      await getUser(ctx, params.id);
      return listExports(ctx, params.id);
    },
    exportLink: ({ actor, params, meta }) => {
      authorizeAccount(actor, "users:manage");
      return newDownloadLink(ctx, actor, params.id, params.exportId, meta);
    },
    deleteUser: ({ actor, params, body, meta }) => deleteUserAccount(ctx, actor, params.id, body, meta),
  }),
];
