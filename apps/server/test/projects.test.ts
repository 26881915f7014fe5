import { registerUser, startTestServer, type TestServer, type TestUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { files } from "../src/domain/files/schema.ts";

describe.each(testStores())("projects, members and files on %s", (store) => {
  let server: TestServer;
  let owner: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await startTestServer(store);
    // The first account is the instance admin, who sees every project; the owner here is an ordinary user.
    await registerUser(server.api, "Admin");
    owner = await registerUser(server.api, "Owner");
    bob = await registerUser(server.api, "Bob");
  });
  afterAll(() => server?.stop());

  const newProject = async (name = "Demo", token = owner.accessToken) => {
    const response = await server.api.post("/api/v1/projects", { name, description: "d" }, token);
    expect(response.status).toBe(201);
    return response.body as { id: string };
  };

  it("creates, reads, replaces, patches and deletes a project", async () => {
    const created = await server.api.post("/api/v1/projects", { name: "  Apollo  " }, owner.accessToken);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Apollo",
      description: "",
      visibility: "private",
      role: "owner",
    });
    const id = created.body.id;
    expect(id).toMatch(/^prj_/);

    expect((await server.api.get(`/api/v1/projects/${id}`, owner.accessToken)).body.name).toBe("Apollo");
    const put = await server.api.put(
      `/api/v1/projects/${id}`,
      { name: "Apollo 11", visibility: "public" },
      owner.accessToken,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: "Apollo 11", description: "", visibility: "public" });
    const patch = await server.api.patch(
      `/api/v1/projects/${id}`,
      { description: "moon" },
      owner.accessToken,
    );
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ name: "Apollo 11", description: "moon", visibility: "public" });
    expect(Date.parse(patch.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    const empty = await server.api.patch(`/api/v1/projects/${id}`, {}, owner.accessToken);
    expect(empty.status).toBe(400);

    expect((await server.api.delete(`/api/v1/projects/${id}`, owner.accessToken)).status).toBe(204);
    expect((await server.api.get(`/api/v1/projects/${id}`, owner.accessToken)).status).toBe(404);
  });

  it("lists only my projects, cursor-paginated without gaps or repeats", async () => {
    const carol = await registerUser(server.api, "Carol");
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await newProject(`p${i}`, carol.accessToken)).id);
    await newProject("not carol's");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await server.api.get(`/api/v1/projects${query}`, carol.accessToken);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("hides a private project from non-members (404) and shows a public one read-only", async () => {
    const project = await newProject();
    const hidden = await server.api.get(`/api/v1/projects/${project.id}`, bob.accessToken);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe("not_found");
    await server.api.patch(`/api/v1/projects/${project.id}`, { visibility: "public" }, owner.accessToken);
    const visible = await server.api.get(`/api/v1/projects/${project.id}`, bob.accessToken);
    expect(visible.status).toBe(200);
    expect(visible.body.role).toBeNull();
    const write = await server.api.post(
      `/api/v1/projects/${project.id}/files`,
      { path: "x.ts" },
      bob.accessToken,
    );
    expect(write.status).toBe(403);
  });

  it("adds members by email, changes roles, removes them, and always keeps an owner", async () => {
    const project = await newProject();
    const base = `/api/v1/projects/${project.id}/members`;
    const added = await server.api.post(
      base,
      { email: bob.email.toUpperCase(), role: "viewer" },
      owner.accessToken,
    );
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: bob.id, role: "viewer", name: "Bob" });
    const dup = await server.api.post(base, { email: bob.email, role: "editor" }, owner.accessToken);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("member_exists");
    const unknown = await server.api.post(
      base,
      { email: "ghost@example.test", role: "editor" },
      owner.accessToken,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("user_not_found");

    const list = await server.api.get(base, bob.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);

    // A viewer cannot write files; promoted to editor they can.
    const asViewer = await server.api.post(
      `/api/v1/projects/${project.id}/files`,
      { path: "a.ts" },
      bob.accessToken,
    );
    expect(asViewer.status).toBe(403);
    const promoted = await server.api.patch(`${base}/${bob.id}`, { role: "editor" }, owner.accessToken);
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe("editor");
    const asEditor = await server.api.post(
      `/api/v1/projects/${project.id}/files`,
      { path: "a.ts" },
      bob.accessToken,
    );
    expect(asEditor.status).toBe(201);
    // Editors do not manage members.
    expect((await server.api.patch(`${base}/${owner.id}`, { role: "viewer" }, bob.accessToken)).status).toBe(
      403,
    );

    const lastOwner = await server.api.patch(`${base}/${owner.id}`, { role: "editor" }, owner.accessToken);
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.code).toBe("last_owner");
    expect((await server.api.delete(`${base}/${owner.id}`, owner.accessToken)).body.code).toBe("last_owner");

    // With a second owner, the first may step down.
    await server.api.patch(`${base}/${bob.id}`, { role: "owner" }, owner.accessToken);
    expect(
      (await server.api.patch(`${base}/${owner.id}`, { role: "viewer" }, owner.accessToken)).status,
    ).toBe(200);
    // A member may leave; removed members lose access (404 on the private project).
    expect((await server.api.delete(`${base}/${owner.id}`, owner.accessToken)).status).toBe(204);
    expect((await server.api.get(`/api/v1/projects/${project.id}`, owner.accessToken)).status).toBe(404);
  });

  it("creates, reads, updates, renames and deletes files", async () => {
    const project = await newProject();
    const base = `/api/v1/projects/${project.id}/files`;
    const created = await server.api.post(
      base,
      { path: "src/main.ts", content: "const π = 3.14;\n" },
      owner.accessToken,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ path: "src/main.ts", language: "typescript", size: 17 });
    expect(created.body).not.toHaveProperty("content");
    const fileId = created.body.id;

    const read = await server.api.get(`${base}/${fileId}`, owner.accessToken);
    expect(read.body.content).toBe("const π = 3.14;\n");

    const put = await server.api.put(`${base}/${fileId}`, { content: "print('hi')\n" }, owner.accessToken);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ content: "print('hi')\n", size: 12, path: "src/main.ts" });

    const moved = await server.api.patch(`${base}/${fileId}`, { path: "app/main.py" }, owner.accessToken);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ path: "app/main.py", language: "python", content: "print('hi')\n" });

    const empty = await server.api.post(base, { path: "README.md" }, owner.accessToken);
    expect(empty.body).toMatchObject({ size: 0, language: "markdown" });

    const list = await server.api.get(base, owner.accessToken);
    expect(list.body.items.map((f: { path: string }) => f.path)).toEqual(["README.md", "app/main.py"]);

    expect((await server.api.delete(`${base}/${fileId}`, owner.accessToken)).status).toBe(204);
    expect((await server.api.get(`${base}/${fileId}`, owner.accessToken)).status).toBe(404);
    // A file id from another project is not found through this project.
    const other = await newProject();
    const foreign = await server.api.get(
      `/api/v1/projects/${other.id}/files/${empty.body.id}`,
      owner.accessToken,
    );
    expect(foreign.status).toBe(404);
  });

  it("normalises paths and refuses duplicates and file/folder clashes", async () => {
    const project = await newProject();
    const base = `/api/v1/projects/${project.id}/files`;
    const created = await server.api.post(base, { path: "lib//util.ts" }, owner.accessToken);
    expect(created.body.path).toBe("lib/util.ts");
    for (const path of ["lib/util.ts", "lib", "lib/util.ts/x.ts"]) {
      const clash = await server.api.post(base, { path }, owner.accessToken);
      expect(clash.status, path).toBe(409);
      expect(clash.body.code).toBe("path_taken");
    }
    const other = await server.api.post(base, { path: "other.ts" }, owner.accessToken);
    const renameClash = await server.api.patch(
      `${base}/${other.body.id}`,
      { path: "lib/util.ts" },
      owner.accessToken,
    );
    expect(renameClash.status).toBe(409);
    // Renaming a file onto its own path is a no-op, not a clash.
    expect(
      (await server.api.patch(`${base}/${other.body.id}`, { path: "other.ts" }, owner.accessToken)).status,
    ).toBe(200);
  });

  it("paginates files by path", async () => {
    const project = await newProject();
    const base = `/api/v1/projects/${project.id}/files`;
    const paths = ["b.ts", "a/z.ts", "c d.md", "a/b.ts", "é.txt"];
    for (const path of paths) await server.api.post(base, { path }, owner.accessToken);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await server.api.get(`${base}${query}`, owner.accessToken);
      seen.push(...page.body.items.map((f: { path: string }) => f.path));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...paths].sort());
  });

  it("deleting a project deletes its files and memberships", async () => {
    const project = await newProject();
    const file = await server.api.post(
      `/api/v1/projects/${project.id}/files`,
      { path: "x.ts" },
      owner.accessToken,
    );
    await server.api.delete(`/api/v1/projects/${project.id}`, owner.accessToken);
    const rows = await server.app.database.db.select().from(files);
    expect(rows.find((row) => row.id === file.body.id)).toBeUndefined();
  });
});
