import { projectChannel } from "../../domain/chat/conversations.ts";
import { AppError } from "../../domain/errors.ts";
import { listFiles, listFilesOfProjects } from "../../domain/files/commands.ts";
import type { Page } from "../../domain/pagination.ts";
import { listMembers, listMembersOfProjects } from "../../domain/projects/members.ts";
import { actorIn, type GraphqlContext } from "./context.ts";
import { pageArgs } from "./input.ts";

interface LoaderQuery {
  obj: { id: string };
  params: { limit?: number | null; cursor?: string | null };
}

type Single<T> = (
  context: GraphqlContext,
  projectId: string,
  page: ReturnType<typeof pageArgs>,
) => Promise<Page<T>>;
type Batched<T> = (
  context: GraphqlContext,
  projectIds: string[],
  limit: number,
) => Promise<Map<string, Page<T> | AppError>>;

/**
 * A per-request loader for a project's paged list: every first page with the same limit is read in
 * one batched domain call (a bounded number of statements, however many projects); a later page
 * (with a cursor) goes through the single-project command. An error for one project (an API key
 * without the scope) fails that field only, as its own REST call would.
 */
function pagedPerProject<T>(single: Single<T>, batched: Batched<T>) {
  return async (queries: LoaderQuery[], context: GraphqlContext): Promise<(Page<T> | Error)[]> => {
    const pages = queries.map((query) => {
      try {
        return pageArgs(query.params);
      } catch (error) {
        return asError(error);
      }
    });
    const firstPages = new Map<number, string[]>();
    queries.forEach((query, i) => {
      const page = pages[i]!;
      if (page instanceof Error || page.cursor !== undefined) return;
      const ids = firstPages.get(page.limit) ?? [];
      ids.push(query.obj.id);
      firstPages.set(page.limit, ids);
    });
    const loaded = new Map<number, Map<string, Page<T> | AppError>>();
    for (const [limit, ids] of firstPages)
      loaded.set(limit, await batched(context, [...new Set(ids)], limit));
    return Promise.all(
      queries.map(async (query, i) => {
        const page = pages[i]!;
        if (page instanceof Error) return page;
        if (page.cursor !== undefined) return single(context, query.obj.id, page).catch(asError);
        return loaded.get(page.limit)?.get(query.obj.id) ?? new AppError("not_found", "Project not found");
      }),
    );
  };
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** Mercurius loaders: Project.members, Project.files, Project.conversation. */
export const loaders = {
  Project: {
    members: pagedPerProject(
      (c, projectId, page) => listMembers(c.ctx, actorIn(c), projectId, page),
      (c, ids, limit) => listMembersOfProjects(c.ctx, actorIn(c), ids, limit),
    ),
    files: pagedPerProject(
      (c, projectId, page) => listFiles(c.ctx, actorIn(c), projectId, page),
      (c, ids, limit) => listFilesOfProjects(c.ctx, actorIn(c), ids, limit),
    ),
    // Each channel's unread count is per caller: one call per project, deduplicated per request.
    conversation: (queries: LoaderQuery[], c: GraphqlContext) =>
      Promise.all(queries.map((query) => projectChannel(c.ctx, actorIn(c), query.obj.id).catch(asError))),
  },
};
