import { registerUser } from "@codepark/testing";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { screenshotPath } from "./browser.ts";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import { createProjectViaUi, poll, signUpViaUi, tokenOf, UI_TIMEOUT, uniqueEmail } from "./ui-helpers.ts";

describeInBrowser("projects in the browser: file tree operations, settings, members", () => {
  const suite = useBrowserSuite();
  let page: Page;
  let projectId = "";

  const token = () => tokenOf(page);
  const paths = async () => {
    const response = await suite.server.api.get(
      `/api/v1/projects/${projectId}/files?limit=100`,
      await token(),
    );
    return (response.body.items as { path: string }[]).map((file) => file.path).sort();
  };
  const tree = () => page.getByRole("navigation", { name: "Files" });

  async function prompt(opener: string, label: string, value: string, submit: string) {
    await page.getByRole("button", { name: opener, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(label).fill(value);
    await dialog.getByRole("button", { name: submit }).click();
  }

  async function confirm(opener: string, action: string) {
    await page.getByRole("button", { name: opener, exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: action }).click();
    await page.getByRole("dialog").waitFor({ state: "detached", timeout: UI_TIMEOUT });
  }

  beforeAll(async () => {
    page = await suite.newPage();
  });

  it("creates files and an empty folder, and says why a taken path is refused", async () => {
    await signUpViaUi(page, suite.server.baseUrl, "Erin", uniqueEmail("erin"));
    projectId = await createProjectViaUi(page, "Tree project");

    await prompt("New folder", "Folder path", "docs/notes", "Create folder");
    await tree().getByRole("button", { name: "notes", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    expect(await paths()).toEqual([]); // the empty folder exists only here

    await prompt("New file in docs/notes", "File path", "docs/notes/todo.md", "Create file");
    await page.getByRole("tab", { name: "todo.md" }).waitFor({ timeout: UI_TIMEOUT });
    await prompt("New file", "File path", "src/a.ts", "Create file");
    await prompt("New file", "File path", "src/b.ts", "Create file");
    await page.getByRole("tab", { name: "b.ts" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await paths()).toEqual(["docs/notes/todo.md", "src/a.ts", "src/b.ts"]);

    await prompt("New file", "File path", "src/a.ts", "Create file");
    await page.getByRole("dialog").getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("dialog").getByRole("alert").innerText()).toMatch(/src\/a\.ts/);
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  });

  it("renames and moves a file and a folder", async () => {
    await prompt("Rename or move folder src", "New folder path", "lib", "Rename folder");
    await tree().getByRole("button", { name: "lib", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await prompt("Rename or move lib/a.ts", "New path", "lib/core/a.ts", "Rename");
    await tree().getByRole("button", { name: "core", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    expect(await paths()).toEqual(["docs/notes/todo.md", "lib/b.ts", "lib/core/a.ts"]);
    // Open tabs follow the rename.
    await page.getByRole("tab", { name: "a.ts" }).waitFor({ timeout: UI_TIMEOUT });
  });

  it("deletes a folder with the files under it, and a file, after confirmation", async () => {
    await confirm("Delete folder lib", "Delete folder");
    await poll(() => paths(), "the folder's files are gone").toEqual(["docs/notes/todo.md"]);
    await poll(() => page.getByRole("tab").count(), "their tabs closed").toBe(1);
    await confirm("Delete docs/notes/todo.md", "Delete file");
    await poll(() => paths(), "the file is gone").toEqual([]);
    await page.getByText("No files yet").waitFor({ timeout: UI_TIMEOUT });
    await page.screenshot({ path: await screenshotPath("projects-empty-tree") });
  });

  it("renames the project, manages members, and deletes the project", async () => {
    const frank = await registerUser(suite.server.api, "Frank");
    await page.getByRole("link", { name: "Project settings & members" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Renamed project");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: "Settings · Renamed project" }).waitFor({ timeout: UI_TIMEOUT });

    await page.getByLabel("Invite by email").fill(frank.email);
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Invite" }).click();
    const role = page.getByLabel("Role of Frank");
    await role.waitFor({ timeout: UI_TIMEOUT });
    await role.selectOption("editor");
    const memberRole = async () => {
      const members = await suite.server.api.get(`/api/v1/projects/${projectId}/members`, await token());
      return (
        members.body.items.find((member: { userId: string }) => member.userId === frank.id)?.role ?? null
      );
    };
    await poll(memberRole, "Frank is an editor").toBe("editor");
    await page.getByLabel("Invite by email").fill(frank.email);
    await page.getByRole("button", { name: "Invite" }).click();
    await page.locator(".error", { hasText: /already/ }).waitFor({ timeout: UI_TIMEOUT }); // in words
    await confirm("Remove Frank", "Remove member");
    await poll(memberRole, "Frank is no longer a member").toBe(null);
    await page.screenshot({ path: await screenshotPath("project-settings") });

    await confirm("Delete project…", "Delete project");
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("link", { name: "Renamed project" }).count()).toBe(0);
    expect((await suite.server.api.get(`/api/v1/projects/${projectId}`, await token())).status).toBe(404);
  });

  it("raised no page errors", () => {
    expect(suite.errors()).toEqual([]);
  });
});
