import {
  id,
  pageOf,
  pageQuery,
  project,
  projectCreateBody,
  projectPatchBody,
  projectPutBody,
} from "@codepark/protocol/api";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from "../../../domain/projects/commands.ts";
import type { Services } from "../../../services.ts";
import { actorOf } from "../authenticate.ts";

const params = z.object({ id });

export const projectRoutes: FastifyPluginAsyncZod<{ ctx: Services }> = async (app, { ctx }) => {
  app.get(
    "/projects",
    {
      schema: {
        tags: ["projects"],
        summary: "Projects you are a member of",
        querystring: pageQuery,
        response: { 200: pageOf(project) },
      },
    },
    async (request) => listProjects(ctx, actorOf(request), request.query),
  );

  app.post(
    "/projects",
    {
      schema: {
        tags: ["projects"],
        summary: "Create a project (you become its owner)",
        body: projectCreateBody,
        response: { 201: project },
      },
    },
    async (request, reply) => reply.code(201).send(await createProject(ctx, actorOf(request), request.body)),
  );

  app.get(
    "/projects/:id",
    { schema: { tags: ["projects"], summary: "A project", params, response: { 200: project } } },
    async (request) => getProject(ctx, actorOf(request), request.params.id),
  );

  app.put(
    "/projects/:id",
    {
      schema: {
        tags: ["projects"],
        summary: "Replace a project's settings",
        params,
        body: projectPutBody,
        response: { 200: project },
      },
    },
    async (request) => updateProject(ctx, actorOf(request), request.params.id, request.body),
  );

  app.patch(
    "/projects/:id",
    {
      schema: {
        tags: ["projects"],
        summary: "Change some of a project's settings",
        params,
        body: projectPatchBody,
        response: { 200: project },
      },
    },
    async (request) => updateProject(ctx, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    "/projects/:id",
    { schema: { tags: ["projects"], summary: "Delete a project with its files", params } },
    async (request, reply) => {
      await deleteProject(ctx, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
