import {
  file,
  fileCreateBody,
  filePatchBody,
  fileWithContent,
  id,
  pageOf,
  pageQuery,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createFile, deleteFile, getFile, listFiles, updateFile } from "../../../domain/files/commands.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

const projectParams = z.object({ id });
const fileParams = z.object({ id, fileId: id });

export const fileRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/projects/:id/files",
    {
      schema: {
        tags: ["files"],
        summary: "Files of a project, by path",
        params: projectParams,
        querystring: pageQuery,
        response: { 200: pageOf(file) },
      },
    },
    async (request) => listFiles(ctx, actorOf(request), request.params.id, request.query),
  );

  app.post(
    "/projects/:id/files",
    {
      schema: {
        tags: ["files"],
        summary: "Create a file",
        params: projectParams,
        body: fileCreateBody,
        response: { 201: file },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createFile(ctx, actorOf(request), request.params.id, request.body)),
  );

  app.get(
    "/projects/:id/files/:fileId",
    {
      schema: {
        tags: ["files"],
        summary: "A file with its content",
        params: fileParams,
        response: { 200: fileWithContent },
      },
    },
    async (request) => getFile(ctx, actorOf(request), request.params.id, request.params.fileId),
  );

  for (const method of ["put", "patch"] as const) {
    app[method](
      "/projects/:id/files/:fileId",
      {
        schema: {
          tags: ["files"],
          summary: "Change a file's content and/or path (rename, move)",
          params: fileParams,
          body: filePatchBody,
          response: { 200: fileWithContent },
        },
      },
      async (request) =>
        updateFile(ctx, actorOf(request), request.params.id, request.params.fileId, request.body),
    );
  }

  app.delete(
    "/projects/:id/files/:fileId",
    { schema: { tags: ["files"], summary: "Delete a file", params: fileParams } },
    async (request, reply) => {
      await deleteFile(ctx, actorOf(request), request.params.id, request.params.fileId);
      return reply.code(204).send();
    },
  );
};
