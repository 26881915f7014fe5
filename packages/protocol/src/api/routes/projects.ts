import { z } from "zod";
import { id, pageOf, pageQuery } from "../common.ts";
import { defineRoute } from "../contract.ts";
import {
  file,
  fileCreateBody,
  filePatchBody,
  fileWithContent,
  member,
  memberAddBody,
  memberPatchBody,
  project,
  projectCreateBody,
  projectPatchBody,
  projectPutBody,
  version,
  versionCreateBody,
  versionWithContent,
} from "../projects.ts";

const projectParams = z.object({ id });
const memberParams = z.object({ id, userId: id });
const fileParams = z.object({ id, fileId: id });
const versionParams = z.object({ id, fileId: id, versionId: id });

export const projectRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/projects",
    tags: ["projects"],
    summary: "Projects you are a member of",
    auth: "user",
    scope: "projects:read",
    query: pageQuery,
    responses: { 200: pageOf(project) },
  }),
  create: defineRoute({
    method: "POST",
    path: "/projects",
    tags: ["projects"],
    summary: "Create a project (you become its owner)",
    auth: "user",
    scope: "projects:write",
    body: projectCreateBody,
    responses: { 201: project },
  }),
  get: defineRoute({
    method: "GET",
    path: "/projects/:id",
    tags: ["projects"],
    summary: "A project",
    auth: "user",
    scope: "projects:read",
    params: projectParams,
    responses: { 200: project },
  }),
  replace: defineRoute({
    method: "PUT",
    path: "/projects/:id",
    tags: ["projects"],
    summary: "Replace a project's settings",
    auth: "user",
    scope: "projects:write",
    params: projectParams,
    body: projectPutBody,
    responses: { 200: project },
  }),
  update: defineRoute({
    method: "PATCH",
    path: "/projects/:id",
    tags: ["projects"],
    summary: "Change some of a project's settings",
    auth: "user",
    scope: "projects:write",
    params: projectParams,
    body: projectPatchBody,
    responses: { 200: project },
  }),
  delete: defineRoute({
    method: "DELETE",
    path: "/projects/:id",
    tags: ["projects"],
    summary: "Delete a project with its files",
    auth: "user",
    scope: "projects:write",
    params: projectParams,
    responses: { 204: null },
  }),
};

export const memberRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/projects/:id/members",
    tags: ["members"],
    summary: "Members of a project",
    auth: "user",
    scope: "projects:read",
    params: projectParams,
    query: pageQuery,
    responses: { 200: pageOf(member) },
  }),
  add: defineRoute({
    method: "POST",
    path: "/projects/:id/members",
    tags: ["members"],
    summary: "Add a member by email",
    auth: "user",
    scope: "projects:write",
    params: projectParams,
    body: memberAddBody,
    responses: { 201: member },
  }),
  changeRole: defineRoute({
    method: "PATCH",
    path: "/projects/:id/members/:userId",
    tags: ["members"],
    summary: "Change a member's role",
    auth: "user",
    scope: "projects:write",
    params: memberParams,
    body: memberPatchBody,
    responses: { 200: member },
  }),
  remove: defineRoute({
    method: "DELETE",
    path: "/projects/:id/members/:userId",
    tags: ["members"],
    summary: "Remove a member (or leave, with your own id)",
    auth: "user",
    // Leaving needs it too (project:leave).
    scope: "projects:write",
    params: memberParams,
    responses: { 204: null },
  }),
};

const changeFile = {
  path: "/projects/:id/files/:fileId",
  tags: ["files"],
  summary: "Change a file's content and/or path (rename, move)",
  auth: "user",
  scope: "projects:write",
  params: fileParams,
  body: filePatchBody,
  responses: { 200: fileWithContent },
} as const;

export const fileRoutes = {
  list: defineRoute({
    method: "GET",
    path: "/projects/:id/files",
    tags: ["files"],
    summary: "Files of a project, by path",
    auth: "user",
    scope: "projects:read",
    params: projectParams,
    query: pageQuery,
    responses: { 200: pageOf(file) },
  }),
  create: defineRoute({
    method: "POST",
    path: "/projects/:id/files",
    tags: ["files"],
    summary: "Create a file",
    auth: "user",
    scope: "projects:write",
    params: projectParams,
    body: fileCreateBody,
    responses: { 201: file },
  }),
  get: defineRoute({
    method: "GET",
    path: "/projects/:id/files/:fileId",
    tags: ["files"],
    summary: "A file with its content",
    auth: "user",
    scope: "projects:read",
    params: fileParams,
    responses: { 200: fileWithContent },
  }),
  /** PUT and PATCH are the same partial update. */
  replace: defineRoute({ method: "PUT", ...changeFile }),
  update: defineRoute({ method: "PATCH", ...changeFile }),
  delete: defineRoute({
    method: "DELETE",
    path: "/projects/:id/files/:fileId",
    tags: ["files"],
    summary: "Delete a file",
    auth: "user",
    scope: "projects:write",
    params: fileParams,
    responses: { 204: null },
  }),
};

const versions = "/projects/:id/files/:fileId/versions";

export const versionRoutes = {
  list: defineRoute({
    method: "GET",
    path: versions,
    tags: ["versions"],
    summary:
      "Version history of a file, newest first (automatic checkpoints, named versions, pre-restore saves)",
    auth: "user",
    scope: "projects:read",
    params: fileParams,
    query: pageQuery,
    responses: { 200: pageOf(version) },
  }),
  create: defineRoute({
    method: "POST",
    path: versions,
    tags: ["versions"],
    summary: "Name the current state of a file",
    auth: "user",
    scope: "projects:write",
    params: fileParams,
    body: versionCreateBody,
    responses: { 201: versionWithContent },
  }),
  get: defineRoute({
    method: "GET",
    path: `${versions}/:versionId`,
    tags: ["versions"],
    summary: "A version with the file's content at that point",
    auth: "user",
    scope: "projects:read",
    params: versionParams,
    responses: { 200: versionWithContent },
  }),
  restore: defineRoute({
    method: "POST",
    path: `${versions}/:versionId/restore`,
    tags: ["versions"],
    summary: "Restore a version: applied as a new edit, so open editors converge on it",
    auth: "user",
    scope: "projects:write",
    params: versionParams,
    responses: { 200: versionWithContent },
  }),
};
