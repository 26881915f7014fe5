import { type ApiKeyScope, apiKeyScopes } from "@codepark/protocol";
import {
  type ApiResponse,
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
} from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraphqlAnswer, gql } from "./graphql-helpers.ts";

/**
 * The authorization matrix through both doors: for every kind of caller, each GraphQL operation
 * gives the answer its REST route gives (success, or the same code and status), because both call
 * the same command and policy. Mutations get a fixture each, one for each door.
 */
const ACTORS = [
  "anonymous",
  "outsider",
  "viewer",
  "editor",
  "owner",
  "admin",
  "key with scope",
  "key without scope",
] as const;
type ActorName = (typeof ACTORS)[number];

interface Fixture {
  projectId: string;
  fileId: string;
  channelId: string;
}

interface Operation {
  /** The API-key scope the REST route's policy asks for (for the two key columns). */
  scope: ApiKeyScope;
  rest: (f: Fixture, token: string | undefined) => Promise<ApiResponse>;
  graphql: (f: Fixture, token: string | undefined) => Promise<GraphqlAnswer>;
  /** A fresh fixture per door, for operations that change or use up what they act on. */
  fresh?: (f: Fixture) => Promise<Partial<Fixture>>;
}

type Outcome = "ok" | { status: number; code: string };

const restOutcome = (response: ApiResponse): Outcome =>
  response.status < 300 ? "ok" : { status: response.status, code: response.body.code };
const graphqlOutcome = (answer: GraphqlAnswer): Outcome => {
  const error = answer.body.errors?.[0];
  return error ? { status: error.extensions.status, code: error.extensions.code } : "ok";
};

describe.each(testStores())("GraphQL authorization matrix on %s", (store) => {
  let server: TestServer;
  let people: Record<"admin" | "owner" | "editor" | "viewer" | "outsider", TestUser>;
  let base: Fixture;
  const keys = new Map<string, string>();
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer(store, { WEBHOOK_ALLOW_PRIVATE: "true" });
    people = {
      admin: await registerUser(server.api, "Admin"),
      owner: await registerUser(server.api, "Owner"),
      editor: await registerUser(server.api, "Editor"),
      viewer: await registerUser(server.api, "Viewer"),
      outsider: await registerUser(server.api, "Outsider"),
    };
    base = await project();
  }, 60_000);
  afterAll(() => server?.stop());

  /** A private project of the owner's with an editor, a viewer, a file and its channel. */
  async function project(): Promise<Fixture> {
    const owner = people.owner.accessToken;
    const projectId = (await server.api.post("/api/v1/projects", { name: `m${counter++}` }, owner)).body.id;
    for (const role of ["editor", "viewer"] as const)
      await server.api.post(
        `/api/v1/projects/${projectId}/members`,
        { email: people[role].email, role },
        owner,
      );
    const fileId = (
      await server.api.post(`/api/v1/projects/${projectId}/files`, { path: "f.ts", content: "x" }, owner)
    ).body.id;
    const channelId = (await server.api.get(`/api/v1/projects/${projectId}/conversation`, owner)).body.id;
    return { projectId, fileId, channelId };
  }

  /** The owner's API key with only `scope`, or with every scope but it. */
  async function key(scope: ApiKeyScope, has: boolean): Promise<string> {
    const name = `${has ? "with" : "without"}:${scope}`;
    const known = keys.get(name);
    if (known) return known;
    const scopes = has ? [scope] : apiKeyScopes.filter((s) => s !== scope);
    const created = await server.api.post("/api/v1/api-keys", { name, scopes }, people.owner.accessToken);
    keys.set(name, created.body.key);
    return created.body.key;
  }

  async function tokenOf(actor: ActorName, scope: ApiKeyScope): Promise<string | undefined> {
    switch (actor) {
      case "anonymous":
        return undefined;
      case "key with scope":
        return key(scope, true);
      case "key without scope":
        return key(scope, false);
      default:
        return people[actor].accessToken;
    }
  }

  const q =
    (query: string, variables: (f: Fixture) => Record<string, unknown>) => (f: Fixture, token?: string) =>
      gql(server, query, variables(f), token);
  const get = (path: (f: Fixture) => string) => (f: Fixture, token?: string) =>
    server.api.get(`/api/v1${path(f)}`, token);

  const operations: Record<string, Operation> = {
    "project(id)": {
      scope: "projects:read",
      rest: get((f) => `/projects/${f.projectId}`),
      graphql: q("query($p: ID!) { project(id: $p) { id } }", (f) => ({ p: f.projectId })),
    },
    "project.members": {
      scope: "projects:read",
      rest: get((f) => `/projects/${f.projectId}/members`),
      graphql: q("query($p: ID!) { project(id: $p) { members { items { userId } } } }", (f) => ({
        p: f.projectId,
      })),
    },
    "project.files": {
      scope: "projects:read",
      rest: get((f) => `/projects/${f.projectId}/files`),
      graphql: q("query($p: ID!) { project(id: $p) { files { items { id } } } }", (f) => ({
        p: f.projectId,
      })),
    },
    "file(id).content": {
      scope: "projects:read",
      rest: get((f) => `/projects/${f.projectId}/files/${f.fileId}`),
      graphql: q("query($f: ID!) { file(id: $f) { content } }", (f) => ({ f: f.fileId })),
    },
    messages: {
      scope: "projects:read",
      rest: get((f) => `/conversations/${f.channelId}/messages`),
      graphql: q("query($c: ID!) { messages(conversationId: $c) { items { id } } }", (f) => ({
        c: f.channelId,
      })),
    },
    projects: {
      scope: "projects:read",
      rest: get(() => "/projects"),
      graphql: q("{ projects { items { id } } }", () => ({})),
    },
    webhooks: {
      scope: "webhooks:read",
      rest: get(() => "/webhooks"),
      graphql: q("{ webhooks { items { id } } }", () => ({})),
    },
    notifications: {
      scope: "users:read",
      rest: get(() => "/notifications"),
      graphql: q("{ notifications { items { id } } }", () => ({})),
    },
    apiKeys: {
      scope: "users:read",
      rest: get(() => "/api-keys"),
      graphql: q("{ apiKeys { items { id } } }", () => ({})),
    },
    updateProject: {
      scope: "projects:write",
      rest: (f, token) => server.api.patch(`/api/v1/projects/${f.projectId}`, { description: "d" }, token),
      graphql: q(`mutation($p: ID!) { updateProject(id: $p, input: { description: "d" }) { id } }`, (f) => ({
        p: f.projectId,
      })),
    },
    createFile: {
      scope: "projects:write",
      rest: (f, token) =>
        server.api.post(`/api/v1/projects/${f.projectId}/files`, { path: `r${counter++}.ts` }, token),
      graphql: q(
        "mutation($p: ID!, $path: String!) { createFile(projectId: $p, path: $path) { id } }",
        (f) => ({ p: f.projectId, path: `g${counter++}.ts` }),
      ),
    },
    deleteFile: {
      scope: "projects:write",
      fresh: async (f) => ({
        fileId: (
          await server.api.post(
            `/api/v1/projects/${f.projectId}/files`,
            { path: `d${counter++}.ts` },
            people.owner.accessToken,
          )
        ).body.id,
      }),
      rest: (f, token) => server.api.delete(`/api/v1/projects/${f.projectId}/files/${f.fileId}`, token),
      graphql: q("mutation($p: ID!, $f: ID!) { deleteFile(projectId: $p, fileId: $f) }", (f) => ({
        p: f.projectId,
        f: f.fileId,
      })),
    },
    addMember: {
      scope: "projects:write",
      fresh: () => project(),
      rest: (f, token) =>
        server.api.post(
          `/api/v1/projects/${f.projectId}/members`,
          { email: people.outsider.email, role: "viewer" },
          token,
        ),
      graphql: q(
        `mutation($p: ID!, $e: String!) { addMember(projectId: $p, email: $e, role: viewer) { userId } }`,
        (f) => ({ p: f.projectId, e: people.outsider.email }),
      ),
    },
    sendMessage: {
      scope: "projects:write",
      rest: (f, token) =>
        server.api.post(`/api/v1/conversations/${f.channelId}/messages`, { body: "hi" }, token),
      graphql: q(`mutation($c: ID!) { sendMessage(conversationId: $c, body: "hi") { id } }`, (f) => ({
        c: f.channelId,
      })),
    },
    createWebhook: {
      scope: "webhooks:write",
      rest: (_, token) =>
        server.api.post("/api/v1/webhooks", { url: "http://127.0.0.1:9/h", events: ["file.created"] }, token),
      graphql: q(
        `mutation { createWebhook(input: { url: "http://127.0.0.1:9/h", events: ["file.created"] }) { id } }`,
        () => ({}),
      ),
    },
  };

  const cells = Object.keys(operations).flatMap((name) => ACTORS.map((actor) => [name, actor] as const));

  it.each(cells)("%s as %s: the same answer as REST", async (name, actor) => {
    const operation = operations[name]!;
    const token = await tokenOf(actor, operation.scope);
    const forRest = { ...base, ...(await operation.fresh?.(base)) };
    const forGraphql = { ...base, ...(await operation.fresh?.(base)) };
    const viaRest = restOutcome(await operation.rest(forRest, token));
    const viaGraphql = graphqlOutcome(await operation.graphql(forGraphql, token));
    expect(viaGraphql).toEqual(viaRest);
  });

  it("the matrix is not trivially uniform: it holds successes and each kind of refusal", async () => {
    const seen = new Set<string>();
    for (const actor of ["anonymous", "outsider", "viewer", "key without scope", "owner"] as const) {
      const outcome = graphqlOutcome(
        await operations.updateProject!.graphql(base, await tokenOf(actor, "projects:write")),
      );
      seen.add(outcome === "ok" ? "ok" : outcome.code);
    }
    expect([...seen].sort()).toEqual(["forbidden", "insufficient_scope", "not_found", "ok", "unauthorized"]);
  });
});
