import { registerUser, type TestUser } from "@codepark/testing";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { screenshotPath } from "./browser.ts";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import {
  createProjectViaUi,
  editorText,
  focusEditor,
  poll,
  signInViaUi,
  signUpViaUi,
  tokenOf,
  UI_TIMEOUT,
  uniqueEmail,
  waitConnected,
} from "./ui-helpers.ts";

describeInBrowser("workspace in the browser: live editing, cursors, viewers, offline, history", () => {
  const suite = useBrowserSuite();
  let alice: Page;
  let bob: Page;
  let bobUser: TestUser;
  let projectId = "";
  let fileId = "";

  it("signs up, creates a project and a file, and types into it", async () => {
    alice = await suite.newPage();
    await signUpViaUi(alice, suite.server.baseUrl, "Alice", uniqueEmail("alice"));
    projectId = await createProjectViaUi(alice, "Demo project");

    await alice.getByRole("button", { name: "New file" }).click();
    await alice.getByLabel("File path").fill("src/main.ts");
    await alice.getByRole("button", { name: "Create file" }).click();
    await alice.getByRole("tab", { name: "main.ts" }).waitFor({ timeout: UI_TIMEOUT });
    fileId = new URL(alice.url()).searchParams.get("file")!;
    expect(fileId).toMatch(/^fil_/);
    await waitConnected(alice);
    await focusEditor(alice);
    await alice.keyboard.type("const greeting = 'hello';");
    await poll(() => editorText(alice), "Alice's editor shows her text").toBe("const greeting = 'hello';");
    // The server holds the same text (the document is live there).
    const owner = await suite.server.api.get(`/api/v1/projects/${projectId}/files/${fileId}`);
    expect(owner.status).toBe(401); // no token: the API is not open to the world
  });

  it("a second person (invited as editor in the UI) edits the same file at the same time", async () => {
    bobUser = await registerUser(suite.server.api, "Bob");
    await alice.getByRole("link", { name: "Project settings & members" }).click();
    await alice.getByLabel("Invite by email").fill(bobUser.email);
    await alice.getByLabel("Role", { exact: true }).selectOption("editor");
    await alice.getByRole("button", { name: "Invite" }).click();
    await alice.getByRole("cell", { name: bobUser.email }).waitFor({ timeout: UI_TIMEOUT });
    await alice.goBack();
    await alice.getByRole("tab", { name: "main.ts" }).waitFor({ timeout: UI_TIMEOUT });
    await waitConnected(alice);

    bob = await suite.newPage();
    await bob.goto(`${suite.server.baseUrl}/projects/${projectId}?file=${fileId}`);
    await signInViaUi(bob, bobUser.email, bobUser.password);
    // Back on the page he asked for, with the file open.
    await bob.getByRole("tab", { name: "main.ts" }).waitFor({ timeout: UI_TIMEOUT });
    await waitConnected(bob);
    await poll(() => editorText(bob), "Bob sees Alice's text").toBe("const greeting = 'hello';");

    await focusEditor(alice);
    await alice.keyboard.press("Control+End");
    await alice.keyboard.press("Enter");
    await focusEditor(bob);
    await bob.keyboard.press("Control+Home");
    await bob.keyboard.press("Enter");
    await bob.keyboard.press("ArrowUp");
    await Promise.all([
      alice.keyboard.type("// alice was here", { delay: 15 }),
      bob.keyboard.type("// bob was here", { delay: 15 }),
    ]);
    await poll(async () => {
      const [a, b] = await Promise.all([editorText(alice), editorText(bob)]);
      return a === b && a.includes("// alice was here") && a.includes("// bob was here") ? a : `${a} ≠ ${b}`;
    }, "both editors converge on one text").toBe(
      "// bob was here\nconst greeting = 'hello';\n// alice was here",
    );

    // Each sees the other's caret, labelled with their name.
    await alice.locator(".remote-cursor-label", { hasText: "Bob" }).waitFor({ timeout: UI_TIMEOUT });
    await bob.locator(".remote-cursor-label", { hasText: "Alice" }).waitFor({ timeout: UI_TIMEOUT });
    // Presence: each appears in the other's presence bar with the open file.
    await alice.locator(".presence-bar", { hasText: "Bob" }).waitFor({ timeout: UI_TIMEOUT });
    await alice.screenshot({ path: await screenshotPath("workspace-two-cursors") });
  });

  it("a viewer cannot type and sees that the file is read-only", async () => {
    const carol = await registerUser(suite.server.api, "Carol");
    const owner = await suite.server.api.request("POST", `/api/v1/projects/${projectId}/members`, {
      body: { email: carol.email, role: "viewer" },
      token: await tokenOf(alice),
    });
    expect(owner.status).toBe(201);
    const viewer = await suite.newPage();
    await viewer.goto(`${suite.server.baseUrl}/projects/${projectId}?file=${fileId}`);
    await signInViaUi(viewer, carol.email, carol.password);
    await viewer.getByTestId("readonly-banner").waitFor({ timeout: UI_TIMEOUT });
    await waitConnected(viewer);
    const before = await editorText(alice);
    await poll(() => editorText(viewer), "the viewer sees the text").toBe(before);
    await focusEditor(viewer);
    await viewer.keyboard.type("vandalism");
    await viewer.keyboard.press("Enter");
    await viewer.keyboard.press("Backspace");
    expect(await editorText(viewer)).toBe(before);
    await expect(viewer.getByRole("button", { name: "New file" }).count()).resolves.toBe(0);
    // Nothing reached the others either.
    await alice.keyboard.type("!");
    await poll(() => editorText(viewer), "the viewer still receives edits").toBe(`${before}!`);
    expect(await editorText(alice)).toBe(`${before}!`);
  });

  it("an edit made offline is kept and syncs when the connection returns", async () => {
    const context = alice.context();
    await context.setOffline(true);
    try {
      await alice.locator('.connection[data-state="offline"]').waitFor({ timeout: UI_TIMEOUT });
      await focusEditor(alice);
      await alice.keyboard.press("Control+End");
      await alice.keyboard.type(" // typed offline");
      await poll(() => editorText(alice), "Alice sees her offline edit").toContain("// typed offline");
      // Bob does not see it while Alice is offline …
      expect(await editorText(bob)).not.toContain("typed offline");
    } finally {
      await context.setOffline(false);
    }
    // … and does once she is back.
    await waitConnected(alice);
    await poll(() => editorText(bob), "Bob receives the offline edit").toContain("// typed offline");
    await poll(async () => (await editorText(bob)) === (await editorText(alice)), "texts converge").toBe(
      true,
    );
  });

  it("the history panel names a version, shows it against the current text and restores it", async () => {
    await alice.getByRole("button", { name: "History" }).click();
    await alice.getByLabel("Name the current state").fill("Before cleanup");
    await alice.getByRole("button", { name: "Save version" }).click();
    const named = alice.getByRole("button", { name: /Before cleanup/ });
    await named.waitFor({ timeout: UI_TIMEOUT });
    const saved = await editorText(alice);

    await focusEditor(alice);
    await alice.keyboard.press("Control+End");
    await alice.keyboard.type("\nconsole.log(greeting);");
    await poll(() => editorText(bob), "Bob sees the new line").toContain("console.log(greeting);");

    await named.click();
    await alice.locator('[data-testid="version-diff"] .monaco-diff-editor').waitFor({ timeout: UI_TIMEOUT });
    await alice
      .locator('[data-testid="version-diff"] .line-insert, [data-testid="version-diff"] .char-insert')
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
    await alice.screenshot({ path: await screenshotPath("workspace-history") });
    // Monaco's language services run in workers (allowed by the CSP's worker-src 'self').
    const workers = await alice.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => entry.name)
        .filter((name) => /worker/.test(name)),
    );
    expect(workers.some((name) => /editor\.worker/.test(name))).toBe(true);

    await alice.getByRole("button", { name: "Restore this version" }).click();
    await alice.getByRole("dialog").getByRole("button", { name: "Restore" }).click();
    await poll(() => editorText(alice), "Alice's editor shows the restored text").toBe(saved);
    await poll(() => editorText(bob), "Bob's editor converges on the restored text").toBe(saved);
  });

  it("fits a phone screen: the file tree sits behind a toggle", async () => {
    await alice.getByRole("button", { name: "Close history" }).click();
    await alice.setViewportSize({ width: 390, height: 844 });
    const tree = alice.getByRole("navigation", { name: "Files" });
    await poll(() => tree.isVisible(), "the tree is hidden on a narrow screen").toBe(false);
    await alice.getByRole("button", { name: "Files", exact: true }).click();
    await poll(() => tree.isVisible(), "the toggle shows the tree").toBe(true);
    await alice.screenshot({ path: await screenshotPath("workspace-phone") });
    await alice.getByRole("button", { name: "main.ts", exact: true }).click();
    await poll(() => tree.isVisible(), "opening a file hides the tree again").toBe(false);
    await poll(() => alice.getByTestId("editor").isVisible(), "the editor fills the screen").toBe(true);
    await alice.screenshot({ path: await screenshotPath("workspace-phone-editor") });
  });

  it("raised no page errors", () => {
    expect(suite.errors(/ERR_INTERNET_DISCONNECTED|WebSocket/)).toEqual([]);
  });
});
