import { apiRoutes } from "@codepark/protocol/api";
import {
  createNamedVersion,
  getVersion,
  listVersions,
  restoreVersion,
} from "../../../domain/collab/versions.ts";
import { createFile, deleteFile, getFile, listFiles, updateFile } from "../../../domain/files/commands.ts";
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from "../../../domain/projects/commands.ts";
import { addMember, changeMemberRole, listMembers, removeMember } from "../../../domain/projects/members.ts";
import type { Services } from "../../../services.ts";
import { bind } from "../route.ts";

/** Projects, their members, files and the files' version history. */
export const projectRoutes = (ctx: Services) => [
  ...bind(apiRoutes.projects, {
    list: ({ actor, query }) => listProjects(ctx, actor, query),
    create: ({ actor, body }) => createProject(ctx, actor, body),
    get: ({ actor, params }) => getProject(ctx, actor, params.id),
    replace: ({ actor, params, body }) => updateProject(ctx, actor, params.id, body),
    update: ({ actor, params, body }) => updateProject(ctx, actor, params.id, body),
    delete: ({ actor, params }) => deleteProject(ctx, actor, params.id),
  }),
  ...bind(apiRoutes.members, {
    list: ({ actor, params, query }) => listMembers(ctx, actor, params.id, query),
    add: ({ actor, params, body, meta }) => addMember(ctx, actor, params.id, body, meta),
    changeRole: ({ actor, params, body, meta }) =>
      changeMemberRole(ctx, actor, params.id, params.userId, body.role, meta),
    remove: ({ actor, params, meta }) => removeMember(ctx, actor, params.id, params.userId, meta),
  }),
  ...bind(apiRoutes.files, {
    list: ({ actor, params, query }) => listFiles(ctx, actor, params.id, query),
    create: ({ actor, params, body }) => createFile(ctx, actor, params.id, body),
    get: ({ actor, params }) => getFile(ctx, actor, params.id, params.fileId),
    // PUT and PATCH are the same partial update.
    replace: ({ actor, params, body }) => updateFile(ctx, actor, params.id, params.fileId, body),
    update: ({ actor, params, body }) => updateFile(ctx, actor, params.id, params.fileId, body),
    delete: ({ actor, params }) => deleteFile(ctx, actor, params.id, params.fileId),
  }),
  ...bind(apiRoutes.versions, {
    list: ({ actor, params, query }) => listVersions(ctx, actor, params.id, params.fileId, query),
    create: ({ actor, params, body }) => createNamedVersion(ctx, actor, params.id, params.fileId, body.name),
    get: ({ actor, params }) => getVersion(ctx, actor, params.id, params.fileId, params.versionId),
    restore: ({ actor, params }) => restoreVersion(ctx, actor, params.id, params.fileId, params.versionId),
  }),
];
