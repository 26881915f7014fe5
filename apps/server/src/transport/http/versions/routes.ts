import {
  id,
  pageOf,
  pageQuery,
  version,
  versionCreateBody,
  versionWithContent,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createNamedVersion,
  getVersion,
  listVersions,
  restoreVersion,
} from "../../../domain/collab/versions.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

const fileParams = z.object({ id, fileId: id });
const versionParams = z.object({ id, fileId: id, versionId: id });
const base = "/projects/:id/files/:fileId/versions";

export const versionRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    base,
    {
      schema: {
        tags: ["versions"],
        summary:
          "Version history of a file, newest first (automatic checkpoints, named versions, pre-restore saves)",
        params: fileParams,
        querystring: pageQuery,
        response: { 200: pageOf(version) },
      },
    },
    async (request) =>
      listVersions(ctx, actorOf(request), request.params.id, request.params.fileId, request.query),
  );

  app.post(
    base,
    {
      schema: {
        tags: ["versions"],
        summary: "Name the current state of a file",
        params: fileParams,
        body: versionCreateBody,
        response: { 201: versionWithContent },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createNamedVersion(
            ctx,
            actorOf(request),
            request.params.id,
            request.params.fileId,
            request.body.name,
          ),
        ),
  );

  app.get(
    `${base}/:versionId`,
    {
      schema: {
        tags: ["versions"],
        summary: "A version with the file's content at that point",
        params: versionParams,
        response: { 200: versionWithContent },
      },
    },
    async (request) =>
      getVersion(ctx, actorOf(request), request.params.id, request.params.fileId, request.params.versionId),
  );

  app.post(
    `${base}/:versionId/restore`,
    {
      schema: {
        tags: ["versions"],
        summary: "Restore a version: applied as a new edit, so open editors converge on it",
        params: versionParams,
        response: { 200: versionWithContent },
      },
    },
    async (request) =>
      restoreVersion(
        ctx,
        actorOf(request),
        request.params.id,
        request.params.fileId,
        request.params.versionId,
      ),
  );
};
