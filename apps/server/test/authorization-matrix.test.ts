import { type ApiKeyScope, apiKeyScopes } from "@codepark/protocol";
import {
  type ApiClient,
  type ApiResponse,
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
} from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The authorization matrix: every authenticated /api/v1 route × every kind of caller → the status
 * (and, for refusals, the problem+json `code`) the policy promises. Each cell is its own test and
 * brings its own fixtures when the route changes state, so cells never depend on one another.
 * Every mutating cell also checks the effect: a success really changed something, a refusal changed nothing.
 */

// ---------------------------------------------------------------------------------------------
// Expected outcomes
// ---------------------------------------------------------------------------------------------

interface Refusal {
  status: number;
  code: string;
}
type Expected = number | Refusal;

const UNAUTHENTICATED: Refusal = { status: 401, code: "unauthorized" };
/** A private project is invisible to outsiders: its existence is not leaked. */
const HIDDEN: Refusal = { status: 404, code: "not_found" };
const FORBIDDEN: Refusal = { status: 403, code: "forbidden" };
const NO_SCOPE: Refusal = { status: 403, code: "insufficient_scope" };
const SESSION_ONLY: Refusal = { status: 403, code: "session_required" };
/** Not a refusal by policy: the command ran and found the address verified already. */
const VERIFIED: Refusal = { status: 409, code: "already_verified" };

const label = (expected: Expected) =>
  typeof expected === "number" ? String(expected) : `${expected.status} ${expected.code}`;

// ---------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------

/** The matrix columns, in table order. */
const ACTORS = [
  "anonymous",
  "non-member",
  "viewer",
  "editor",
  "owner",
  "admin",
  "key with scope",
  "key without scope",
] as const;
type ActorName = (typeof ACTORS)[number];

/** The people behind the actors. `admin` is the instance admin and never joins a project. */
type Human = "admin" | "owner" | "editor" | "viewer" | "nonMember" | "spare" | "candidate";

const SESSION_ACTORS: Partial<Record<ActorName, Human>> = {
  "non-member": "nonMember",
  viewer: "viewer",
  editor: "editor",
  owner: "owner",
  admin: "admin",
};

/** The scopes the matrix exercises; the remaining ones (webhooks:*) serve as irrelevant scopes. */
const MATRIX_SCOPES = ["projects:read", "projects:write", "users:read", "users:write"] as const;
type MatrixScope = (typeof MATRIX_SCOPES)[number];

/**
 * What an API key needs on a route: a scope, nothing (`null`, any key will do), or `"session"` when
 * the route refuses API keys altogether.
 */
type KeyNeed = MatrixScope | null | "session";

interface KeySet {
  /** Exactly the one scope. */
  only: Record<MatrixScope, string>;
  /** Every scope but that one (so e.g. projects:write is shown not to imply projects:read). */
  allBut: Record<MatrixScope, string>;
  all: string;
  /** Only webhooks:read, which no route here uses. */
  irrelevant: string;
}

function keyFor(keys: KeySet, need: KeyNeed, withScope: boolean): string {
  if (need === null || need === "session") return withScope ? keys.all : keys.irrelevant;
  return withScope ? keys.only[need] : keys.allBut[need];
}

// ---------------------------------------------------------------------------------------------
// Routes: how to call each one for a cell, and how to observe its effect
// ---------------------------------------------------------------------------------------------

type Visibility = "private" | "public";

interface ProjectFixture {
  id: string;
  fileId: string;
  /** A named version of the file. */
  versionId: string;
  /** `/api/v1/projects/<id>` */
  base: string;
}

interface World {
  api: ApiClient;
  users: Record<Human, TestUser>;
  /** A project owned by `owner` with editor, viewer and spare (viewer) as members and one file. */
  project(visibility: Visibility, fresh: boolean): Promise<ProjectFixture>;
  /** A new session (device) for the user: its access token. */
  login(user: TestUser): Promise<string>;
  admin(): string;
}

interface Cell {
  actor: ActorName;
  /** The person behind the actor (a key's holder); undefined when anonymous. */
  user: TestUser | undefined;
  /** Whose account-level resources (sessions, keys) the cell works on. */
  subject: TestUser;
  visibility: Visibility;
}

interface Prepared {
  path: string;
  body?: unknown;
  /** Overrides the actor's usual credential (e.g. a throwaway session for logout). */
  token?: string;
  /** Whether the request's change is visible afterwards; must be true exactly when it succeeded. */
  effect?: () => Promise<boolean>;
}

interface RouteDef {
  need: KeyNeed;
  /** Who holds the API keys in the key columns of the main matrix. */
  holder: Human;
  prepare(world: World, cell: Cell): Promise<Prepared>;
}

async function must(pending: Promise<ApiResponse>, status: number): Promise<any> {
  const response = await pending;
  if (response.status !== status) {
    throw new Error(`fixture request failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

async function memberRole(world: World, fx: ProjectFixture, userId: string): Promise<string | undefined> {
  const page = await must(world.api.get(`${fx.base}/members?limit=100`, world.admin()), 200);
  return page.items.find((member: { userId: string }) => member.userId === userId)?.role;
}

async function readFile(world: World, fx: ProjectFixture) {
  return world.api.get(`${fx.base}/files/${fx.fileId}`, world.admin());
}

let renames = 0;

const routes = {
  // Projects ----------------------------------------------------------------------------------
  "GET /projects": {
    need: "projects:read",
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/projects" }),
  },
  "POST /projects": {
    need: "projects:write",
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/projects", body: { name: "Created in a cell" } }),
  },
  "GET /projects/:id": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => ({ path: (await world.project(cell.visibility, false)).base }),
  },
  "PUT /projects/:id": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: fx.base,
        body: { name: "Replaced", description: "put", visibility: cell.visibility },
        effect: async () => (await must(world.api.get(fx.base, world.admin()), 200)).name === "Replaced",
      };
    },
  },
  "PATCH /projects/:id": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: fx.base,
        body: { description: "patched" },
        effect: async () =>
          (await must(world.api.get(fx.base, world.admin()), 200)).description === "patched",
      };
    },
  },
  "DELETE /projects/:id": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: fx.base,
        effect: async () => (await world.api.get(fx.base, world.admin())).status === 404,
      };
    },
  },

  // Members -----------------------------------------------------------------------------------
  "GET /projects/:id/members": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => ({
      path: `${(await world.project(cell.visibility, false)).base}/members`,
    }),
  },
  "POST /projects/:id/members": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      const { candidate } = world.users;
      return {
        path: `${fx.base}/members`,
        body: { email: candidate.email, role: "viewer" },
        effect: async () => (await memberRole(world, fx, candidate.id)) === "viewer",
      };
    },
  },
  "PATCH /projects/:id/members/:userId": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      const { spare } = world.users;
      return {
        path: `${fx.base}/members/${spare.id}`,
        body: { role: "editor" },
        effect: async () => (await memberRole(world, fx, spare.id)) === "editor",
      };
    },
  },
  "DELETE /projects/:id/members/:userId": {
    need: "projects:write",
    holder: "owner",
    // The target is a third person, never the actor: removing yourself is "leave", tested apart.
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      const { spare } = world.users;
      return {
        path: `${fx.base}/members/${spare.id}`,
        effect: async () => (await memberRole(world, fx, spare.id)) === undefined,
      };
    },
  },

  // Files -------------------------------------------------------------------------------------
  "GET /projects/:id/conversation": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => ({
      path: `${(await world.project(cell.visibility, false)).base}/conversation`,
    }),
  },
  "GET /projects/:id/messages": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => ({
      path: `${(await world.project(cell.visibility, false)).base}/messages`,
    }),
  },
  "POST /projects/:id/messages": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, false);
      const body = `said by ${cell.actor} ${Math.random()}`;
      return {
        path: `${fx.base}/messages`,
        body: { body },
        effect: async () => {
          const page = await must(world.api.get(`${fx.base}/messages?limit=100`, world.admin()), 200);
          return page.items.some((message: { body: string }) => message.body === body);
        },
      };
    },
  },
  "GET /projects/:id/files": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => ({ path: `${(await world.project(cell.visibility, false)).base}/files` }),
  },
  "POST /projects/:id/files": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: `${fx.base}/files`,
        body: { path: "src/added.ts", content: "export const added = 1;\n" },
        effect: async () => {
          const page = await must(world.api.get(`${fx.base}/files`, world.admin()), 200);
          return page.items.some((file: { path: string }) => file.path === "src/added.ts");
        },
      };
    },
  },
  "GET /projects/:id/files/:fileId": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, false);
      return { path: `${fx.base}/files/${fx.fileId}` };
    },
  },
  "PUT /projects/:id/files/:fileId": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: `${fx.base}/files/${fx.fileId}`,
        body: { content: "export const put = 1;\n" },
        effect: async () => (await must(readFile(world, fx), 200)).content === "export const put = 1;\n",
      };
    },
  },
  "PATCH /projects/:id/files/:fileId": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: `${fx.base}/files/${fx.fileId}`,
        body: { path: "src/renamed.ts" },
        effect: async () => (await must(readFile(world, fx), 200)).path === "src/renamed.ts",
      };
    },
  },
  "DELETE /projects/:id/files/:fileId": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      return {
        path: `${fx.base}/files/${fx.fileId}`,
        effect: async () => (await readFile(world, fx)).status === 404,
      };
    },
  },

  "GET /projects/:id/files/:fileId/versions": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, false);
      return { path: `${fx.base}/files/${fx.fileId}/versions` };
    },
  },
  "POST /projects/:id/files/:fileId/versions": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      const versions = `${fx.base}/files/${fx.fileId}/versions`;
      return {
        path: versions,
        body: { name: "Named in the matrix" },
        effect: async () =>
          (await must(world.api.get(versions, world.admin()), 200)).items.some(
            (v: { name: string | null }) => v.name === "Named in the matrix",
          ),
      };
    },
  },
  "GET /projects/:id/files/:fileId/versions/:versionId": {
    need: "projects:read",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, false);
      return { path: `${fx.base}/files/${fx.fileId}/versions/${fx.versionId}` };
    },
  },
  "POST /projects/:id/files/:fileId/versions/:versionId/restore": {
    need: "projects:write",
    holder: "owner",
    prepare: async (world, cell) => {
      const fx = await world.project(cell.visibility, true);
      const versions = `${fx.base}/files/${fx.fileId}/versions`;
      return {
        path: `${versions}/${fx.versionId}/restore`,
        effect: async () =>
          (await must(world.api.get(versions, world.admin()), 200)).items.some(
            (v: { kind: string }) => v.kind === "restore",
          ),
      };
    },
  },

  // The signed-in person's own account --------------------------------------------------------
  "GET /me": {
    need: null,
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/me" }),
  },
  "PATCH /me": {
    need: "session",
    holder: "owner",
    // The person's own name, unchanged (fixture names are the human's key): allowed or not is the point.
    prepare: async (_world, cell) => ({
      path: "/api/v1/me",
      body: { name: SESSION_ACTORS[cell.actor] ?? "Somebody" },
    }),
  },
  "POST /me/password": {
    need: "session",
    holder: "owner",
    // The same password again (allowed), so the fixture keeps its password; the effect shows in the
    // actor's other sessions, signed out exactly when the change went through.
    prepare: async (world, cell) => {
      if (!cell.user) {
        return { path: "/api/v1/me/password", body: { currentPassword: "x", newPassword: "x" } };
      }
      const other = await world.login(cell.user);
      return {
        path: "/api/v1/me/password",
        body: { currentPassword: cell.user.password, newPassword: cell.user.password },
        effect: async () => (await world.api.get("/api/v1/me", other)).status === 401,
      };
    },
  },
  "POST /me/verify-email": {
    need: "session",
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/me/verify-email" }),
  },
  "GET /sessions": {
    need: "session",
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/sessions" }),
  },
  "DELETE /sessions/:id": {
    need: "session",
    holder: "owner",
    // Revokes a throwaway session of the subject, never the session the actor calls with.
    prepare: async (world, cell) => {
      const throwaway = await world.login(cell.subject);
      const sessions = await must(world.api.get("/api/v1/sessions", throwaway), 200);
      const current = sessions.items.find((session: { current: boolean }) => session.current);
      return {
        path: `/api/v1/sessions/${current.id}`,
        effect: async () => (await world.api.get("/api/v1/me", throwaway)).status === 401,
      };
    },
  },
  "POST /auth/logout": {
    need: "session",
    holder: "owner",
    // A signed-in actor signs out a throwaway session, so its usual token keeps working.
    prepare: async (world, cell) => {
      if (!SESSION_ACTORS[cell.actor] || !cell.user) return { path: "/api/v1/auth/logout" };
      const throwaway = await world.login(cell.user);
      return {
        path: "/api/v1/auth/logout",
        token: throwaway,
        effect: async () => (await world.api.get("/api/v1/me", throwaway)).status === 401,
      };
    },
  },
  "POST /auth/2fa/setup": {
    need: "session",
    holder: "owner",
    // Setup only stores a pending secret: repeatable, and sign-in stays password-only.
    prepare: async () => ({ path: "/api/v1/auth/2fa/setup" }),
  },
  "GET /api-keys": {
    need: "session",
    holder: "owner",
    prepare: async () => ({ path: "/api/v1/api-keys" }),
  },
  "POST /api-keys": {
    need: "session",
    holder: "owner",
    prepare: async () => ({
      path: "/api/v1/api-keys",
      body: { name: "made in a cell", scopes: ["projects:read"] },
    }),
  },
  "DELETE /api-keys/:id": {
    need: "session",
    holder: "owner",
    prepare: async (world, cell) => {
      const created = await must(
        world.api.post(
          "/api/v1/api-keys",
          { name: "throwaway", scopes: ["projects:read"] },
          cell.subject.accessToken,
        ),
        201,
      );
      return {
        path: `/api/v1/api-keys/${created.id}`,
        effect: async () => (await world.api.get("/api/v1/me", created.key)).status === 401,
      };
    },
  },

  // Instance administration -------------------------------------------------------------------
  "GET /users": {
    need: "users:read",
    holder: "admin",
    prepare: async () => ({ path: "/api/v1/users" }),
  },
  "PATCH /users/:id": {
    need: "users:write",
    holder: "admin",
    prepare: async (world) => {
      renames += 1;
      const name = `Renamed ${renames}`;
      const { candidate } = world.users;
      return {
        path: `/api/v1/users/${candidate.id}`,
        body: { name },
        effect: async () => {
          const page = await must(world.api.get("/api/v1/users?limit=100", world.admin()), 200);
          return page.items.find((user: { id: string }) => user.id === candidate.id)?.name === name;
        },
      };
    },
  },
} satisfies Record<string, RouteDef>;

type RouteKey = keyof typeof routes;

// ---------------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------------

/**
 * Private projects. Keys belong to the project owner (to the admin for /users), so the key columns
 * isolate the scope check: "with" is a key holding only the needed scope, "without" one holding
 * every other scope. For /me and the session-only routes, "with" holds every scope and "without"
 * only an irrelevant one.
 */
// biome-ignore format: the matrix reads best as an aligned table
const matrix: [RouteKey, readonly Expected[]][] = [
  //                                         anonymous        non-member viewer     editor     owner      admin key with scope key without scope
  ["GET /projects",                         [UNAUTHENTICATED, 200,       200,       200,       200,       200,  200,           NO_SCOPE]],
  ["POST /projects",                        [UNAUTHENTICATED, 201,       201,       201,       201,       201,  201,           NO_SCOPE]],
  ["GET /projects/:id",                     [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  ["PUT /projects/:id",                     [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 200,       200,  200,           NO_SCOPE]],
  ["PATCH /projects/:id",                   [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 200,       200,  200,           NO_SCOPE]],
  ["DELETE /projects/:id",                  [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 204,       204,  204,           NO_SCOPE]],
  ["GET /projects/:id/members",             [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  ["POST /projects/:id/members",            [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 201,       201,  201,           NO_SCOPE]],
  ["PATCH /projects/:id/members/:userId",   [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 200,       200,  200,           NO_SCOPE]],
  ["DELETE /projects/:id/members/:userId",  [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, FORBIDDEN, 204,       204,  204,           NO_SCOPE]],
  ["GET /projects/:id/conversation",        [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  ["GET /projects/:id/messages",            [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  // Every member may chat, viewers included.
  ["POST /projects/:id/messages",           [UNAUTHENTICATED, HIDDEN,    201,       201,       201,       201,  201,           NO_SCOPE]],
  ["GET /projects/:id/files",               [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  ["POST /projects/:id/files",              [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, 201,       201,       201,  201,           NO_SCOPE]],
  ["GET /projects/:id/files/:fileId",       [UNAUTHENTICATED, HIDDEN,    200,       200,       200,       200,  200,           NO_SCOPE]],
  ["PUT /projects/:id/files/:fileId",       [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, 200,       200,       200,  200,           NO_SCOPE]],
  ["PATCH /projects/:id/files/:fileId",     [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, 200,       200,       200,  200,           NO_SCOPE]],
  ["DELETE /projects/:id/files/:fileId",    [UNAUTHENTICATED, HIDDEN,    FORBIDDEN, 204,       204,       204,  204,           NO_SCOPE]],
  ["GET /projects/:id/files/:fileId/versions",                      [UNAUTHENTICATED, HIDDEN, 200,       200, 200, 200, 200, NO_SCOPE]],
  ["POST /projects/:id/files/:fileId/versions",                     [UNAUTHENTICATED, HIDDEN, FORBIDDEN, 201, 201, 201, 201, NO_SCOPE]],
  ["GET /projects/:id/files/:fileId/versions/:versionId",           [UNAUTHENTICATED, HIDDEN, 200,       200, 200, 200, 200, NO_SCOPE]],
  ["POST /projects/:id/files/:fileId/versions/:versionId/restore",  [UNAUTHENTICATED, HIDDEN, FORBIDDEN, 200, 200, 200, 200, NO_SCOPE]],
  ["GET /me",                               [UNAUTHENTICATED, 200,       200,       200,       200,       200,  200,           200]],
  ["PATCH /me",                             [UNAUTHENTICATED, 200,       200,       200,       200,       200,  SESSION_ONLY,  SESSION_ONLY]],
  ["POST /me/password",                     [UNAUTHENTICATED, 204,       204,       204,       204,       204,  SESSION_ONLY,  SESSION_ONLY]],
  // Fixture accounts are verified: reaching the command (past authorization) answers already_verified.
  ["POST /me/verify-email",                 [UNAUTHENTICATED, VERIFIED,  VERIFIED,  VERIFIED,  VERIFIED,  VERIFIED, SESSION_ONLY, SESSION_ONLY]],
  ["GET /sessions",                         [UNAUTHENTICATED, 200,       200,       200,       200,       200,  SESSION_ONLY,  SESSION_ONLY]],
  ["DELETE /sessions/:id",                  [UNAUTHENTICATED, 204,       204,       204,       204,       204,  SESSION_ONLY,  SESSION_ONLY]],
  ["POST /auth/logout",                     [UNAUTHENTICATED, 204,       204,       204,       204,       204,  SESSION_ONLY,  SESSION_ONLY]],
  ["POST /auth/2fa/setup",                  [UNAUTHENTICATED, 200,       200,       200,       200,       200,  SESSION_ONLY,  SESSION_ONLY]],
  ["GET /api-keys",                         [UNAUTHENTICATED, 200,       200,       200,       200,       200,  SESSION_ONLY,  SESSION_ONLY]],
  ["POST /api-keys",                        [UNAUTHENTICATED, 201,       201,       201,       201,       201,  SESSION_ONLY,  SESSION_ONLY]],
  ["DELETE /api-keys/:id",                  [UNAUTHENTICATED, 204,       204,       204,       204,       204,  SESSION_ONLY,  SESSION_ONLY]],
  ["GET /users",                            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 200,  200,           NO_SCOPE]],
  ["PATCH /users/:id",                      [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 200,  200,           NO_SCOPE]],
];

/** Public projects, seen by a signed-in non-member; here the keys belong to that non-member. */
const PUBLIC_ACTORS = ["anonymous", "non-member", "key with scope", "key without scope"] as const;
const PUBLIC_READ = [UNAUTHENTICATED, 200, 200, NO_SCOPE] as const;
const PUBLIC_WRITE = [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, NO_SCOPE] as const;

const publicMatrix: [RouteKey, readonly Expected[]][] = [
  ["GET /projects/:id", PUBLIC_READ],
  ["PUT /projects/:id", PUBLIC_WRITE],
  ["PATCH /projects/:id", PUBLIC_WRITE],
  ["DELETE /projects/:id", PUBLIC_WRITE],
  ["GET /projects/:id/members", PUBLIC_READ],
  ["POST /projects/:id/members", PUBLIC_WRITE],
  ["GET /projects/:id/conversation", PUBLIC_READ],
  ["GET /projects/:id/messages", PUBLIC_READ],
  // Reading a public project's channel is open to all; talking in it is for its members.
  ["POST /projects/:id/messages", PUBLIC_WRITE],
  ["PATCH /projects/:id/members/:userId", PUBLIC_WRITE],
  ["DELETE /projects/:id/members/:userId", PUBLIC_WRITE],
  ["GET /projects/:id/files", PUBLIC_READ],
  ["POST /projects/:id/files", PUBLIC_WRITE],
  ["GET /projects/:id/files/:fileId", PUBLIC_READ],
  ["PUT /projects/:id/files/:fileId", PUBLIC_WRITE],
  ["PATCH /projects/:id/files/:fileId", PUBLIC_WRITE],
  ["DELETE /projects/:id/files/:fileId", PUBLIC_WRITE],
  ["GET /projects/:id/files/:fileId/versions", PUBLIC_READ],
  ["POST /projects/:id/files/:fileId/versions", PUBLIC_WRITE],
  ["GET /projects/:id/files/:fileId/versions/:versionId", PUBLIC_READ],
  ["POST /projects/:id/files/:fileId/versions/:versionId/restore", PUBLIC_WRITE],
];

/**
 * Account-level integration routes: not about a project, so outside the project matrix. Each names
 * the scope an API key needs and whether only admins may call it; ownership (someone else's
 * webhook is 404) is covered in webhooks.test.ts.
 */
const ACCOUNT_ROUTES: Record<string, { scope: ApiKeyScope; adminOnly: boolean; body?: object }> = {
  "GET /webhooks": { scope: "webhooks:read", adminOnly: false },
  "POST /webhooks": {
    scope: "webhooks:write",
    adminOnly: false,
    body: { url: "https://example.com/hook", events: ["project.created"] },
  },
  "GET /webhooks/:id": { scope: "webhooks:read", adminOnly: false },
  "PUT /webhooks/:id": { scope: "webhooks:write", adminOnly: false, body: { description: "x" } },
  "DELETE /webhooks/:id": { scope: "webhooks:write", adminOnly: false },
  "POST /webhooks/:id/test": { scope: "webhooks:write", adminOnly: false },
  "POST /webhooks/:id/rotate-secret": { scope: "webhooks:write", adminOnly: false },
  "GET /webhooks/:id/deliveries": { scope: "webhooks:read", adminOnly: false },
  "POST /webhooks/:id/deliveries/:deliveryId/retry": { scope: "webhooks:write", adminOnly: false },
  "GET /audit": { scope: "users:read", adminOnly: false },
  "GET /jobs": { scope: "users:write", adminOnly: true },
  "POST /jobs/:id/retry": { scope: "users:write", adminOnly: true },
  // Your own inbox and notification preferences (someone else's ids change nothing: notifications.test.ts).
  "GET /notifications": { scope: "users:read", adminOnly: false },
  "GET /notifications/unread-count": { scope: "users:read", adminOnly: false },
  "POST /notifications/read": { scope: "users:write", adminOnly: false, body: { ids: ["ntf_1"] } },
  "POST /notifications/read-all": { scope: "users:write", adminOnly: false },
  "POST /notifications/archive": { scope: "users:write", adminOnly: false, body: { ids: ["ntf_1"] } },
  "GET /notification-preferences": { scope: "users:read", adminOnly: false },
  "GET /push-subscriptions": { scope: "users:read", adminOnly: false },
  "POST /push-subscriptions": {
    scope: "users:write",
    adminOnly: false,
    body: {
      endpoint: "https://push.example.test/x",
      keys: { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) },
    },
  },
  "DELETE /push-subscriptions/:id": { scope: "users:write", adminOnly: false },
  "PUT /notification-preferences": {
    scope: "users:write",
    adminOnly: false,
    body: { emailDigestMinutes: 0 },
  },
  // An admin's export and deletion of someone else's account (what they do: privacy.test.ts).
  "POST /users/:id/export": { scope: "users:write", adminOnly: true },
  "GET /users/:id/exports": { scope: "users:write", adminOnly: true },
  "POST /users/:id/exports/:exportId/link": { scope: "users:write", adminOnly: true },
  "DELETE /users/:id": { scope: "users:write", adminOnly: true, body: {} },
};

/** Your own data export and account deletion: a signed-in session only (what they do: privacy.test.ts). */
const PRIVACY_SESSION_ROUTES: Record<string, object | undefined> = {
  "POST /me/export": undefined,
  "GET /me/exports": undefined,
  "POST /me/exports/:id/link": undefined,
  "DELETE /me": { password: "a sturdy passphrase", ownedProjects: "delete" },
};

/**
 * Chat routes addressed by conversation or message id: who may use them follows from the
 * conversation (project channel or direct), covered in chat.test.ts; here, only that they refuse
 * anonymous callers.
 */
const CHAT_ROUTES = [
  // Any signed-in caller, any key: the public half of the VAPID pair.
  "GET /push/vapid-public-key",
  "GET /conversations",
  "POST /conversations",
  "GET /conversations/:id",
  "GET /conversations/:id/messages",
  "POST /conversations/:id/messages",
  "POST /conversations/:id/read",
  "PATCH /messages/:id",
  "DELETE /messages/:id",
  "POST /messages/:id/reactions",
  "DELETE /messages/:id/reactions/:emoji",
];

/** Authenticated routes deliberately outside the matrix, each covered by its own section below. */
const OUTSIDE_MATRIX = [
  "POST /auth/2fa/enable",
  "POST /auth/2fa/disable",
  ...Object.keys(ACCOUNT_ROUTES),
  ...Object.keys(PRIVACY_SESSION_ROUTES),
  ...CHAT_ROUTES,
];

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describe.each(testStores())("authorization matrix on %s", (store) => {
  let server: TestServer;
  let world: World;
  const keys = {} as Record<Human, KeySet>;

  beforeAll(async () => {
    server = await startTestServer(store);
    const { api } = server;
    // The first account becomes the instance admin; the rest are ordinary users.
    const users = {} as Record<Human, TestUser>;
    for (const human of ["admin", "owner", "editor", "viewer", "nonMember", "spare", "candidate"] as const) {
      users[human] = await registerUser(api, human);
    }
    expect(users.admin.role).toBe("admin");
    expect(users.owner.role).toBe("user");

    const makeKey = async (holder: TestUser, scopes: readonly ApiKeyScope[]) =>
      (await must(api.post("/api/v1/api-keys", { name: scopes.join(" "), scopes }, holder.accessToken), 201))
        .key as string;
    for (const holder of ["owner", "admin", "nonMember"] as const) {
      const only = {} as Record<MatrixScope, string>;
      const allBut = {} as Record<MatrixScope, string>;
      for (const scope of MATRIX_SCOPES) {
        only[scope] = await makeKey(users[holder], [scope]);
        allBut[scope] = await makeKey(
          users[holder],
          apiKeyScopes.filter((other) => other !== scope),
        );
      }
      keys[holder] = {
        only,
        allBut,
        all: await makeKey(users[holder], apiKeyScopes),
        irrelevant: await makeKey(users[holder], ["webhooks:read"]),
      };
    }

    const shared = new Map<Visibility, Promise<ProjectFixture>>();
    const makeProject = async (visibility: Visibility): Promise<ProjectFixture> => {
      const owner = users.owner.accessToken;
      const project = await must(api.post("/api/v1/projects", { name: "Matrix", visibility }, owner), 201);
      const base = `/api/v1/projects/${project.id}`;
      for (const [human, role] of [
        ["editor", "editor"],
        ["viewer", "viewer"],
        ["spare", "viewer"],
      ] as const) {
        await must(api.post(`${base}/members`, { email: users[human].email, role }, owner), 201);
      }
      const file = await must(
        api.post(`${base}/files`, { path: "src/main.ts", content: "export {};\n" }, owner),
        201,
      );
      const version = await must(
        api.post(`${base}/files/${file.id}/versions`, { name: "Baseline" }, owner),
        201,
      );
      return { id: project.id, fileId: file.id, versionId: version.id, base };
    };

    world = {
      api,
      users,
      project: (visibility, fresh) => {
        if (fresh) return makeProject(visibility);
        let fixture = shared.get(visibility);
        if (!fixture) {
          fixture = makeProject(visibility);
          shared.set(visibility, fixture);
        }
        return fixture;
      },
      login: async (user) =>
        (await must(api.post("/api/v1/auth/login", { email: user.email, password: user.password }), 200))
          .accessToken,
      admin: () => users.admin.accessToken,
    };
  });
  afterAll(() => server?.stop());

  function tokenFor(actor: ActorName, need: KeyNeed, holder: Human): string | undefined {
    if (actor === "anonymous") return undefined;
    if (actor === "key with scope") return keyFor(keys[holder], need, true);
    if (actor === "key without scope") return keyFor(keys[holder], need, false);
    return world.users[SESSION_ACTORS[actor]!].accessToken;
  }

  async function runCell(
    routeKey: RouteKey,
    actor: ActorName,
    expected: Expected,
    visibility: Visibility,
    holder: Human,
  ): Promise<void> {
    const route: RouteDef = routes[routeKey];
    const [method, pattern] = routeKey.split(" ") as [string, string];
    const human = SESSION_ACTORS[actor] ?? (actor === "anonymous" ? undefined : holder);
    const user = human ? world.users[human] : undefined;
    const prepared = await route.prepare(world, {
      actor,
      user,
      subject: user ?? world.users.owner,
      visibility,
    });
    expect(prepared.path.startsWith("/api/v1/")).toBe(true);
    const token = prepared.token ?? tokenFor(actor, route.need, holder);
    const response = await world.api.request(method, prepared.path, { token, body: prepared.body });
    const detail = `${method} ${pattern} as ${actor}: ${JSON.stringify(response.body)}`;
    if (typeof expected === "number") {
      expect(response.status, detail).toBe(expected);
    } else {
      expect({ status: response.status, code: response.body?.code }, detail).toEqual(expected);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
    if (prepared.effect) {
      expect(await prepared.effect(), `effect of ${method} ${pattern} as ${actor}`).toBe(
        typeof expected === "number",
      );
    }
  }

  it("covers every authenticated route the server documents", async () => {
    const spec = await must(server.api.get("/api/v1/openapi.json"), 200);
    const documented: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown[] }>>(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security?.length) continue;
        const pattern = path.replace(/^\/api\/v1/, "").replace(/\{(\w+)\}/g, ":$1");
        documented.push(`${method.toUpperCase()} ${pattern}`);
      }
    }
    const tested = [...matrix.map(([routeKey]) => routeKey), ...OUTSIDE_MATRIX];
    expect([...new Set(documented)].sort()).toEqual([...new Set(tested)].sort());
  });

  describe("private project", () => {
    describe.each(matrix)("%s", (routeKey, expectations) => {
      ACTORS.forEach((actor, index) => {
        const expected = expectations[index]!;
        it(`${actor} → ${label(expected)}`, () =>
          runCell(routeKey, actor, expected, "private", routes[routeKey].holder));
      });
    });
  });

  describe("public project (keys belong to the signed-in non-member)", () => {
    describe.each(publicMatrix)("%s", (routeKey, expectations) => {
      PUBLIC_ACTORS.forEach((actor, index) => {
        const expected = expectations[index]!;
        it(`${actor} → ${label(expected)}`, () => runCell(routeKey, actor, expected, "public", "nonMember"));
      });
    });
  });

  describe("account-level routes: signed in, the right scope, admin where it says so", () => {
    const concrete = (pattern: string) =>
      `/api/v1${pattern.replace(/:\w+/g, (name) => (name === ":id" ? "1" : "x_1"))}`;
    for (const [route, rule] of Object.entries(ACCOUNT_ROUTES)) {
      const [method, pattern] = route.split(" ") as [string, string];
      it(`${route}: anonymous → 401, a key without ${rule.scope} → 403${rule.adminOnly ? ", a non-admin → 403" : ""}`, async () => {
        const call = (token?: string) =>
          server.api.request(method, concrete(pattern), { token, ...(rule.body ? { body: rule.body } : {}) });
        const problem = (response: { status: number; body: { code?: string } }) => ({
          status: response.status,
          code: response.body?.code,
        });
        expect(problem(await call())).toEqual(UNAUTHENTICATED);
        const holder = rule.adminOnly ? "admin" : "owner";
        const withoutScope = apiKeyScopes.filter((scope) => scope !== rule.scope);
        const key = (
          await must(
            server.api.post(
              "/api/v1/api-keys",
              { name: "cell", scopes: withoutScope },
              world.users[holder].accessToken,
            ),
            201,
          )
        ).key as string;
        expect(problem(await call(key))).toEqual(NO_SCOPE);
        if (rule.adminOnly) expect(problem(await call(world.users.owner.accessToken))).toEqual(FORBIDDEN);
      });
    }
  });

  describe("chat routes by conversation or message, and the VAPID key, refuse anonymous callers", () => {
    for (const route of CHAT_ROUTES) {
      it(`${route} → 401`, async () => {
        const [method, pattern] = route.split(" ") as [string, string];
        const response = await server.api.request(method, `/api/v1${pattern.replace(/:\w+/g, "x_1")}`, {
          ...(method === "POST" || method === "PATCH" ? { body: {} } : {}),
        });
        expect({ status: response.status, code: response.body?.code }).toEqual(UNAUTHENTICATED);
      });
    }
  });

  describe("two-factor enable/disable are session-only too", () => {
    for (const route of OUTSIDE_MATRIX.filter((name) => name.includes("/2fa/"))) {
      for (const actor of ["anonymous", "key with scope", "key without scope"] as const) {
        const expected = actor === "anonymous" ? UNAUTHENTICATED : SESSION_ONLY;
        it(`${route} as ${actor} → ${label(expected)}`, async () => {
          const [method, pattern] = route.split(" ") as [string, string];
          // A well-formed body, so only authentication and authorization can refuse it.
          const response = await server.api.request(method, `/api/v1${pattern}`, {
            token: tokenFor(actor, "session", "owner"),
            body: { code: "000000" },
          });
          expect({ status: response.status, code: response.body?.code }).toEqual(expected);
        });
      }
    }
  });

  describe("your own export and deletion are session-only", () => {
    for (const [route, body] of Object.entries(PRIVACY_SESSION_ROUTES)) {
      for (const actor of ["anonymous", "key with scope", "key without scope"] as const) {
        const expected = actor === "anonymous" ? UNAUTHENTICATED : SESSION_ONLY;
        it(`${route} as ${actor} → ${label(expected)}`, async () => {
          const [method, pattern] = route.split(" ") as [string, string];
          const response = await server.api.request(method, `/api/v1${pattern.replace(/:\w+/g, "x_1")}`, {
            token: tokenFor(actor, "session", "owner"),
            ...(body ? { body } : {}),
          });
          expect({ status: response.status, code: response.body?.code }).toEqual(expected);
        });
      }
    }
  });

  describe("leaving a project (removing yourself)", () => {
    it.each(["viewer", "editor"] as const)("a %s may leave → 204", async (role) => {
      const fx = await world.project("private", true);
      const me = world.users[role];
      const response = await server.api.delete(`${fx.base}/members/${me.id}`, me.accessToken);
      expect(response.status).toBe(204);
      expect(await memberRole(world, fx, me.id)).toBeUndefined();
    });

    it("a non-member cannot 'leave' a private project → 404 not_found", async () => {
      const fx = await world.project("private", true);
      const { nonMember } = world.users;
      const response = await server.api.delete(`${fx.base}/members/${nonMember.id}`, nonMember.accessToken);
      expect({ status: response.status, code: response.body.code }).toEqual(HIDDEN);
    });
  });

  describe("account resources belong to their owner", () => {
    it("revoking someone else's session → 404 not_found, and it keeps working", async () => {
      const victim = await world.login(world.users.spare);
      const sessions = await must(server.api.get("/api/v1/sessions", victim), 200);
      const current = sessions.items.find((session: { current: boolean }) => session.current);
      const response = await server.api.delete(
        `/api/v1/sessions/${current.id}`,
        world.users.viewer.accessToken,
      );
      expect({ status: response.status, code: response.body.code }).toEqual(HIDDEN);
      expect((await server.api.get("/api/v1/me", victim)).status).toBe(200);
    });

    it("revoking someone else's API key → 404 not_found, and it keeps working", async () => {
      const { spare, viewer } = world.users;
      const created = await must(
        server.api.post("/api/v1/api-keys", { name: "victim", scopes: ["projects:read"] }, spare.accessToken),
        201,
      );
      const response = await server.api.delete(`/api/v1/api-keys/${created.id}`, viewer.accessToken);
      expect({ status: response.status, code: response.body.code }).toEqual(HIDDEN);
      expect((await server.api.get("/api/v1/me", created.key)).status).toBe(200);
    });
  });
});
