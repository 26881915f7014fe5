import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type GraphqlAnswer, gql } from "./graphql-helpers.ts";

/**
 * Every query and mutation over plain HTTP, each compared with the REST call that runs the same
 * command: the same data, or the same problem code in extensions.code.
 */
describe.each(testStores())("GraphQL queries and mutations on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let bob: TestUser;
  let projectId: string;
  let fileId: string;

  beforeAll(async () => {
    // Webhook destinations on this machine are allowed (nothing is delivered in this suite).
    server = await startTestServer(store, { WEBHOOK_ALLOW_PRIVATE: "true" });
    await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Owner");
    bob = await registerUser(server.api, "Bob");
    projectId = (await server.api.post("/api/v1/projects", { name: "Apollo" }, owner.accessToken)).body.id;
    fileId = (
      await server.api.post(
        `/api/v1/projects/${projectId}/files`,
        { path: "src/main.ts", content: "hello" },
        owner.accessToken,
      )
    ).body.id;
    await server.api.post(
      `/api/v1/projects/${projectId}/files/${fileId}/versions`,
      { name: "v0" },
      owner.accessToken,
    );
  });
  afterAll(() => server?.stop());

  const rest = (path: string, token = owner.accessToken) => server.api.get(`/api/v1${path}`, token);

  it("me and projects answer what REST answers", async () => {
    const answer = await gql(
      server,
      `{ me { id email name role plan emailVerified twoFactorEnabled createdAt }
         projects(limit: 100) { items { id name description visibility role createdAt updatedAt } nextCursor } }`,
      {},
      owner.accessToken,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.me).toEqual((await rest("/me")).body);
    expect(answer.body.data.projects).toEqual((await rest("/projects?limit=100")).body);
  });

  it("pages projects with REST's cursors", async () => {
    for (let i = 0; i < 3; i++) await server.api.post("/api/v1/projects", { name: `p${i}` }, bob.accessToken);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer: GraphqlAnswer = await gql(
        server,
        "query($cursor: String) { projects(limit: 2, cursor: $cursor) { items { id } nextCursor } }",
        { cursor },
        bob.accessToken,
      );
      const page: { items: { id: string }[]; nextCursor: string | null } = answer.body.data.projects;
      const restPage = await rest(`/projects?limit=2${cursor ? `&cursor=${cursor}` : ""}`, bob.accessToken);
      expect(page).toEqual({
        items: restPage.body.items.map((p: { id: string }) => ({ id: p.id })),
        nextCursor: restPage.body.nextCursor,
      });
      seen.push(...page.items.map((p: { id: string }) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
  });

  it("project with members, files (and their versions) and conversation; file with its live content", async () => {
    const answer = await gql(
      server,
      `query($id: ID!, $fileId: ID!) {
         project(id: $id) {
           id name role
           members { items { userId email name role joinedAt } nextCursor }
           files { items { id projectId path language size createdAt updatedAt versions { items { id kind } nextCursor } } nextCursor }
           conversation { id kind projectId lastSeq }
         }
         file(id: $fileId) { id path content size }
         history: project(id: $id) { versions(fileId: $fileId) { items { id kind } nextCursor } }
       }`,
      { id: projectId, fileId },
      owner.accessToken,
    );
    expect(answer.body.errors).toBeUndefined();
    const { project, file } = answer.body.data;
    expect(project.files.items[0].versions.items.length).toBeGreaterThan(0);
    expect(project.members).toEqual((await rest(`/projects/${projectId}/members`)).body);
    const restFiles = (await rest(`/projects/${projectId}/files`)).body;
    expect(project.files.items.map(({ versions: _v, ...f }: { versions: unknown }) => f)).toEqual(
      restFiles.items,
    );
    expect(project.files.items[0].versions).toEqual({
      items: (await rest(`/projects/${projectId}/files/${fileId}/versions`)).body.items.map(
        (v: { id: string; kind: string }) => ({ id: v.id, kind: v.kind }),
      ),
      nextCursor: null,
    });
    expect(answer.body.data.history.versions).toEqual(project.files.items[0].versions);
    expect(project.conversation).toMatchObject({ kind: "project", projectId });
    const restFile = (await rest(`/projects/${projectId}/files/${fileId}`)).body;
    expect(file).toEqual({ id: fileId, path: restFile.path, content: restFile.content, size: restFile.size });
  });

  it("project mutations: create, update, delete, with REST's validation and codes", async () => {
    const created = await gql(
      server,
      `mutation { createProject(input: { name: "  Gemini  ", visibility: public }) { id name visibility role } }`,
      {},
      owner.accessToken,
    );
    const id = created.body.data.createProject.id;
    expect(created.body.data.createProject).toMatchObject({
      name: "Gemini",
      visibility: "public",
      role: "owner",
    });
    const updated = await gql(
      server,
      `mutation($id: ID!) { updateProject(id: $id, input: { description: "moon" }) { description } }`,
      { id },
      owner.accessToken,
    );
    expect(updated.body.data.updateProject.description).toBe("moon");
    expect((await rest(`/projects/${id}`)).body.description).toBe("moon");
    // The same zod rule as REST: an empty patch, a name of bidi controls.
    const empty = await gql(
      server,
      `mutation($id: ID!) { updateProject(id: $id, input: {}) { id } }`,
      { id },
      owner.accessToken,
    );
    expect(codes(empty)).toEqual(["validation_failed"]);
    const bidi = await gql(
      server,
      `mutation { createProject(input: { name: "a\\u202Eb" }) { id } }`,
      {},
      owner.accessToken,
    );
    expect(codes(bidi)).toEqual(["validation_failed"]);
    const byBob = await gql(server, `mutation($id: ID!) { deleteProject(id: $id) }`, { id }, bob.accessToken);
    expect(codes(byBob)).toEqual(["forbidden"]);
    expect(byBob.body.errors![0]!.extensions.status).toBe(403);
    const deleted = await gql(
      server,
      `mutation($id: ID!) { deleteProject(id: $id) }`,
      { id },
      owner.accessToken,
    );
    expect(deleted.body.data.deleteProject).toBe(true);
    expect((await rest(`/projects/${id}`)).status).toBe(404);
    const gone = await gql(server, `query($id: ID!) { project(id: $id) { id } }`, { id }, owner.accessToken);
    expect(codes(gone)).toEqual(["not_found"]);
  });

  it("member mutations: add, change role, remove; member_exists and last_owner as on REST", async () => {
    const added = await gql(
      server,
      `mutation($p: ID!, $email: String!) { addMember(projectId: $p, email: $email, role: viewer) { userId role } }`,
      { p: projectId, email: bob.email },
      owner.accessToken,
    );
    expect(added.body.data.addMember).toEqual({ userId: bob.id, role: "viewer" });
    const again = await gql(
      server,
      `mutation($p: ID!, $email: String!) { addMember(projectId: $p, email: $email, role: viewer) { userId } }`,
      { p: projectId, email: bob.email },
      owner.accessToken,
    );
    expect(codes(again)).toEqual(["member_exists"]);
    const changed = await gql(
      server,
      `mutation($p: ID!, $u: ID!) { changeMemberRole(projectId: $p, userId: $u, role: editor) { role } }`,
      { p: projectId, u: bob.id },
      owner.accessToken,
    );
    expect(changed.body.data.changeMemberRole.role).toBe("editor");
    const lastOwner = await gql(
      server,
      `mutation($p: ID!, $u: ID!) { removeMember(projectId: $p, userId: $u) }`,
      { p: projectId, u: owner.id },
      owner.accessToken,
    );
    expect(codes(lastOwner)).toEqual(["last_owner"]);
    const removed = await gql(
      server,
      `mutation($p: ID!, $u: ID!) { removeMember(projectId: $p, userId: $u) }`,
      { p: projectId, u: bob.id },
      owner.accessToken,
    );
    expect(removed.body.data.removeMember).toBe(true);
    expect((await rest(`/projects/${projectId}/members`)).body.items).toHaveLength(1);
  });

  it("file and version mutations: create, rename, update content, version, restore, delete", async () => {
    const run = (query: string, variables: Record<string, unknown>) =>
      gql(server, query, { p: projectId, ...variables }, owner.accessToken);
    const created = await run(
      `mutation($p: ID!) { createFile(projectId: $p, path: "a.py", content: "x = 1") { id path language content } }`,
      {},
    );
    const id = created.body.data.createFile.id;
    expect(created.body.data.createFile).toMatchObject({
      path: "a.py",
      language: "python",
      content: "x = 1",
    });
    const clash = await run(`mutation($p: ID!) { createFile(projectId: $p, path: "a.py") { id } }`, {});
    expect(codes(clash)).toEqual(["path_taken"]);
    const renamed = await run(
      `mutation($p: ID!, $f: ID!) { renameFile(projectId: $p, fileId: $f, path: "b.py") { path } }`,
      { f: id },
    );
    expect(renamed.body.data.renameFile.path).toBe("b.py");
    const version = await run(
      `mutation($p: ID!, $f: ID!) { createVersion(projectId: $p, fileId: $f, name: "v1") { id name kind } }`,
      { f: id },
    );
    expect(version.body.data.createVersion).toMatchObject({ name: "v1", kind: "named" });
    const edited = await run(
      `mutation($p: ID!, $f: ID!) { updateFileContent(projectId: $p, fileId: $f, content: "x = 2") { content } }`,
      { f: id },
    );
    expect(edited.body.data.updateFileContent.content).toBe("x = 2");
    expect((await rest(`/projects/${projectId}/files/${id}`)).body.content).toBe("x = 2");
    const restored = await run(
      `mutation($p: ID!, $f: ID!, $v: ID!) { restoreVersion(projectId: $p, fileId: $f, versionId: $v) { id } }`,
      { f: id, v: version.body.data.createVersion.id },
    );
    expect(restored.body.errors).toBeUndefined();
    expect((await rest(`/projects/${projectId}/files/${id}`)).body.content).toBe("x = 1");
    const deleted = await run(`mutation($p: ID!, $f: ID!) { deleteFile(projectId: $p, fileId: $f) }`, {
      f: id,
    });
    expect(deleted.body.data.deleteFile).toBe(true);
    expect(codes(await run(`query($f: ID!) { file(id: $f) { id } }`, { f: id }))).toEqual(["not_found"]);
  });
});
