import {
  fileCreateBody,
  filePatchBody,
  memberAddBody,
  projectCreateBody,
  projectPatchBody,
  versionCreateBody,
} from "@codepark/protocol/api";

import { createNamedVersion, listVersions, restoreVersion } from "../../../domain/collab/versions.ts";
import { createFile, deleteFile, getFile, getFileById, updateFile } from "../../../domain/files/commands.ts";
import type { FileView } from "../../../domain/files/present.ts";
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from "../../../domain/projects/commands.ts";
import { addMember, changeMemberRole, removeMember } from "../../../domain/projects/members.ts";
import { actorIn } from "../context.ts";
import { defined, pageArgs, parseInput } from "../input.ts";
import type { ResolverMap } from "./types.ts";

const ok = async (work: Promise<unknown>) => {
  await work;
  return true;
};

/** Projects, members, files, versions: each field one call of the command REST's route calls. */
export const projectResolvers: ResolverMap = {
  Query: {
    projects: (_, args, c) => listProjects(c.ctx, actorIn(c), pageArgs(args)),
    project: (_, { id }, c) => getProject(c.ctx, actorIn(c), id),
    file: (_, { id }, c) => getFileById(c.ctx, actorIn(c), id),
  },
  Mutation: {
    createProject: (_, { input }, c) =>
      createProject(c.ctx, actorIn(c), parseInput(projectCreateBody, defined(input))),
    updateProject: (_, { id, input }, c) =>
      updateProject(c.ctx, actorIn(c), id, parseInput(projectPatchBody, defined(input))),
    deleteProject: (_, { id }, c) => ok(deleteProject(c.ctx, actorIn(c), id)),
    addMember: (_, { projectId, email, role }, c) =>
      addMember(c.ctx, actorIn(c), projectId, parseInput(memberAddBody, { email, role }), c.meta),
    changeMemberRole: (_, { projectId, userId, role }, c) =>
      changeMemberRole(c.ctx, actorIn(c), projectId, userId, role, c.meta),
    removeMember: (_, { projectId, userId }, c) =>
      ok(removeMember(c.ctx, actorIn(c), projectId, userId, c.meta)),
    createFile: (_, { projectId, ...body }, c) =>
      createFile(c.ctx, actorIn(c), projectId, parseInput(fileCreateBody, defined(body))),
    renameFile: (_, { projectId, fileId, path }, c) =>
      updateFile(c.ctx, actorIn(c), projectId, fileId, parseInput(filePatchBody, { path })),
    updateFileContent: (_, { projectId, fileId, content }, c) =>
      updateFile(c.ctx, actorIn(c), projectId, fileId, parseInput(filePatchBody, { content })),
    deleteFile: (_, { projectId, fileId }, c) => ok(deleteFile(c.ctx, actorIn(c), projectId, fileId)),
    createVersion: (_, { projectId, fileId, name }, c) =>
      createNamedVersion(c.ctx, actorIn(c), projectId, fileId, parseInput(versionCreateBody, { name }).name),
    restoreVersion: (_, { projectId, fileId, versionId }, c) =>
      restoreVersion(c.ctx, actorIn(c), projectId, fileId, versionId),
  },
  Project: {
    versions: (project, { fileId, ...args }, c) =>
      listVersions(c.ctx, actorIn(c), (project as { id: string }).id, fileId, pageArgs(args)),
  },
  File: {
    // Lists carry no text: asking for it reads the live document, as REST's GET of one file does.
    content: (file, _, c) => {
      const { id, projectId, content } = file as FileView & { content?: string };
      return content ?? getFile(c.ctx, actorIn(c), projectId, id).then((full) => full.content);
    },
    versions: (file, args, c) => {
      const { id, projectId } = file as FileView;
      return listVersions(c.ctx, actorIn(c), projectId, id, pageArgs(args));
    },
  },
};
