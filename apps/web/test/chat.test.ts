import { registerUser, type TestUser } from "@codepark/testing";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { screenshotPath } from "./browser.ts";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import {
  createProjectViaUi,
  poll,
  signInViaUi,
  signUpViaUi,
  tokenOf,
  UI_TIMEOUT,
  uniqueEmail,
} from "./ui-helpers.ts";

describeInBrowser("chat and notifications in the browser: mentions, typing, unread, the inbox", () => {
  const suite = useBrowserSuite();
  let alice: Page;
  let bob: Page;
  let bobUser: TestUser;
  let projectId = "";

  it("serves the service worker at /sw.js, revalidated on every load", async () => {
    const response = await fetch(`${suite.server.baseUrl}/sw.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const source = await response.text();
    expect(source).toContain('addEventListener("push"');
    expect(source).toContain('addEventListener("notificationclick"');
  });

  it("Alice creates a project and adds Bob; both open its workspace", async () => {
    alice = await suite.newPage();
    await signUpViaUi(alice, suite.server.baseUrl, "Alice Liddell", uniqueEmail("alice"));
    projectId = await createProjectViaUi(alice, "Wonderland");

    bobUser = await registerUser(suite.server.api, "Bob Builder");
    const added = await suite.server.api.request("POST", `/api/v1/projects/${projectId}/members`, {
      body: { email: bobUser.email, role: "editor" },
      token: await tokenOf(alice),
    });
    expect(added.status).toBe(201);

    bob = await suite.newPage();
    await bob.goto(`${suite.server.baseUrl}/projects/${projectId}`);
    await signInViaUi(bob, bobUser.email, bobUser.password);
    await bob.getByRole("heading", { name: "Wonderland" }).waitFor({ timeout: UI_TIMEOUT });
    // Being added to the project is Bob's first notification.
    await poll(() => bellCount(bob), "Bob's bell counts the 'added to Wonderland' notification").toBe(1);
  });

  it("typing shows on the other side; @ offers the members; the message reaches Bob live", async () => {
    await alice.getByTestId("chat-toggle").click();
    await bob.getByTestId("chat-toggle").click();
    const aliceBox = alice.getByRole("combobox", { name: "Message #Wonderland" });
    const bobBox = bob.getByRole("combobox", { name: "Message #Wonderland" });
    await aliceBox.waitFor({ timeout: UI_TIMEOUT });
    await bobBox.waitFor({ timeout: UI_TIMEOUT });
    await alice.getByText("No messages yet").waitFor({ timeout: UI_TIMEOUT });

    await aliceBox.click();
    await aliceBox.pressSequentially("hello @Bo", { delay: 40 });
    // Bob sees that Alice is typing …
    await bob
      .getByTestId("typing-line")
      .filter({ hasText: "Alice Liddell is typing…" })
      .waitFor({ timeout: UI_TIMEOUT });
    // … and Alice picks Bob from the list with the keyboard.
    const option = alice.getByRole("option", { name: /Bob Builder/ });
    await option.waitFor({ timeout: UI_TIMEOUT });
    expect(await aliceBox.getAttribute("aria-expanded")).toBe("true");
    expect(await option.getAttribute("aria-selected")).toBe("true");
    await alice
      .locator(".chat-sidebar")
      .screenshot({ path: await screenshotPath("chat-mention-autocomplete") });
    await alice.keyboard.press("Enter");
    await poll(() => aliceBox.inputValue(), "the mention is inserted without spaces").toBe(
      "hello @BobBuilder ",
    );
    expect(await aliceBox.getAttribute("aria-expanded")).toBe("false");
    await alice.keyboard.press("Enter");
    await poll(() => aliceBox.inputValue(), "Enter sends and empties the box").toBe("");

    // Bob sees it appear without a reload, with himself highlighted as mentioned.
    const received = bob.getByTestId("message").filter({ hasText: "hello @BobBuilder" });
    await received.waitFor({ timeout: UI_TIMEOUT });
    expect(await received.locator(".mention-me").textContent()).toBe("@BobBuilder");
    expect(await received.locator(".message-author").textContent()).toContain("Alice Liddell");
    // The typing line goes once the message is there.
    await poll(() => bob.getByTestId("typing-line").textContent(), "the typing line clears").toBe("");
    // The server resolved the mention to Bob.
    const page = await suite.server.api.get(`/api/v1/projects/${projectId}/messages`, bobUser.accessToken);
    expect(page.body.items[0].mentions).toEqual([bobUser.id]);
  });

  it("Bob's bell rises without a reload; the inbox shows the mention; reading it brings the count down", async () => {
    await poll(() => bellCount(bob), "Bob's unread count rises with the mention").toBe(2);
    const bell = bob.getByTestId("notification-bell");
    await bell.click();
    const inbox = bob.getByTestId("inbox");
    const mention = inbox.locator(".notification", {
      hasText: "Alice Liddell mentioned you in Wonderland",
    });
    await mention.waitFor({ timeout: UI_TIMEOUT });
    expect(await mention.getAttribute("class")).toContain("unread");
    await expect(mention.textContent()).resolves.toContain("hello @BobBuilder");
    // It links to the project's chat.
    expect(await mention.getByRole("link").getAttribute("href")).toBe(`/projects/${projectId}?chat=1`);
    await bob.screenshot({ path: await screenshotPath("chat-inbox") });

    await mention.getByRole("button", { name: /Mark read/ }).click();
    await poll(() => bellCount(bob), "marking the mention read takes one off").toBe(1);
    await poll(() => mention.getAttribute("class"), "the mention is no longer highlighted").not.toContain(
      "unread",
    );
    await inbox.getByRole("button", { name: "Mark all read" }).click();
    await poll(() => bellCount(bob), "mark all read empties the count").toBe(0);
    const count = await suite.server.api.get("/api/v1/notifications/unread-count", bobUser.accessToken);
    expect(count.body.unread).toBe(0);

    // Archived ones leave the list and show under "Archived".
    await mention.getByRole("button", { name: /Archive/ }).click();
    await poll(() => mention.count(), "the archived mention leaves the list").toBe(0);
    await inbox.getByText("Archived", { exact: true }).click();
    await inbox
      .locator(".notification", { hasText: "Alice Liddell mentioned you in Wonderland" })
      .waitFor({ timeout: UI_TIMEOUT });

    // Escape closes the inbox and gives the focus back to the bell.
    await bob.keyboard.press("Escape");
    await poll(() => inbox.count(), "Escape closes the inbox").toBe(0);
    expect(await bell.evaluate((element) => element === document.activeElement)).toBe(true);
  });

  it("a direct message shows as unread in Bob's conversation list until he opens it", async () => {
    await alice.getByRole("button", { name: "New direct message" }).click();
    await alice.getByRole("button", { name: /Message Bob Builder/ }).click();
    const direct = alice.getByRole("combobox", { name: "Message Bob Builder" });
    await direct.waitFor({ timeout: UI_TIMEOUT });
    await direct.click();
    await direct.pressSequentially("psst: **bold**, _italic_, `code` and https://example.com/x", {
      delay: 5,
    });
    await alice.keyboard.press("Enter");
    await alice.getByTestId("message").filter({ hasText: "psst" }).waitFor({ timeout: UI_TIMEOUT });

    // Bob is reading the channel: the new conversation appears in his list, unread.
    const entry = bob.getByRole("button", { name: /Alice Liddell\s*1 unread/ });
    await entry.waitFor({ timeout: UI_TIMEOUT });
    await poll(
      () => bob.getByTestId("chat-toggle").textContent(),
      "the Chat button counts the unread message",
    ).toContain("1");
    await bob.locator(".chat-sidebar").screenshot({ path: await screenshotPath("chat-panel-unread") });

    await entry.click();
    const psst = bob.getByTestId("message").filter({ hasText: "psst" });
    await psst.waitFor({ timeout: UI_TIMEOUT });
    // Markdown, rendered as elements (never as HTML from the message).
    expect(await psst.locator("strong").textContent()).toBe("bold");
    expect(await psst.locator("em").textContent()).toBe("italic");
    expect(await psst.locator(".md code").textContent()).toBe("code");
    const link = psst.getByRole("link", { name: "https://example.com/x" });
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    await poll(() => bob.getByTestId("unread-badge").count(), "opening it reads it").toBe(0);
  });

  it("edits, reactions and deletes reach the other side live; markup in a message stays text", async () => {
    const box = alice.getByRole("combobox", { name: "Message Bob Builder" });
    await box.click();
    await box.pressSequentially('<img src=x onerror="alert(1)"> [click](javascript:alert(1))', {
      delay: 2,
    });
    await alice.keyboard.press("Enter");
    const hostile = bob.getByTestId("message").filter({ hasText: "<img src=x" });
    await hostile.waitFor({ timeout: UI_TIMEOUT });
    expect(await hostile.locator("img").count()).toBe(0);
    expect(await hostile.getByRole("link").count()).toBe(0);

    const mine = alice.getByTestId("message").filter({ hasText: "psst" });
    await mine.hover();
    await mine.getByRole("button", { name: "Edit your message" }).click();
    const edit = alice.getByRole("combobox", { name: "Edit message" });
    await edit.fill("psst (edited text)");
    await alice.keyboard.press("Enter");
    const bobsCopy = bob.getByTestId("message").filter({ hasText: "psst (edited text)" });
    await bobsCopy.waitFor({ timeout: UI_TIMEOUT });
    await bobsCopy.getByText("(edited)").waitFor({ timeout: UI_TIMEOUT });

    await bobsCopy.hover();
    await bobsCopy.getByRole("button", { name: /Add a reaction/ }).click();
    await bobsCopy.getByRole("button", { name: "React with Thumbs up" }).click();
    await alice
      .getByTestId("message")
      .filter({ hasText: "psst (edited text)" })
      .getByRole("button", { name: /Thumbs up from Bob Builder/ })
      .waitFor({ timeout: UI_TIMEOUT });

    const doomed = alice.getByTestId("message").filter({ hasText: "<img src=x" });
    await doomed.hover();
    await doomed.getByRole("button", { name: "Delete your message" }).click();
    await alice.getByRole("dialog").getByRole("button", { name: "Delete message" }).click();
    await bob.getByText("This message was deleted.").waitFor({ timeout: UI_TIMEOUT });
    await poll(() => hostile.count(), "the deleted text is gone on Bob's side").toBe(0);
    await bob.locator(".chat-sidebar").screenshot({ path: await screenshotPath("chat-panel") });
    await alice.screenshot({ path: await screenshotPath("chat-workspace") });
  });

  it("says in words why a message cannot be sent", async () => {
    const box = bob.getByRole("combobox", { name: "Message Alice Liddell" });
    await box.fill("x".repeat(4001));
    await bob.getByText("4001/4000").waitFor({ timeout: UI_TIMEOUT });
    expect(await bob.getByRole("button", { name: "Send", exact: true }).isDisabled()).toBe(true);
    await box.press("Enter");
    await bob
      .getByRole("alert")
      .filter({ hasText: "A message holds at most 4000 characters" })
      .waitFor({ timeout: UI_TIMEOUT });
    await box.fill("");
  });

  it("catches up after a lost connection: what was sent meanwhile appears once, in order", async () => {
    const context = bob.context();
    await context.setOffline(true);
    try {
      await bob.getByText("Offline: reconnecting").waitFor({ timeout: UI_TIMEOUT });
      const box = alice.getByRole("combobox", { name: "Message Bob Builder" });
      for (const text of ["while you were away 1", "while you were away 2"]) {
        await box.fill(text);
        await box.press("Enter");
        await alice.getByTestId("message").filter({ hasText: text }).waitFor({ timeout: UI_TIMEOUT });
      }
      expect(await bob.getByTestId("message").filter({ hasText: "while you were away" }).count()).toBe(0);
    } finally {
      await context.setOffline(false);
    }
    const missed = bob.getByTestId("message").filter({ hasText: "while you were away" });
    await poll(() => missed.count(), "the join after reconnecting brings both messages").toBe(2);
    expect(await missed.allTextContents()).toEqual([
      expect.stringContaining("while you were away 1"),
      expect.stringContaining("while you were away 2"),
    ]);
    await poll(() => bob.getByText("Offline: reconnecting").count(), "the offline notice goes").toBe(0);
  });

  it("the preferences page switches kinds and channels and saves them", async () => {
    await bob.goto(`${suite.server.baseUrl}/settings`);
    await bob.getByRole("link", { name: "Notifications" }).click();
    await bob.getByRole("heading", { name: "Notifications", exact: true }).waitFor({ timeout: UI_TIMEOUT });
    const mentionEmail = bob.getByRole("checkbox", { name: "Email: Mentions" });
    await mentionEmail.waitFor({ timeout: UI_TIMEOUT });
    expect(await mentionEmail.isChecked()).toBe(true);
    await mentionEmail.uncheck();
    await bob.getByLabel("Email digest").selectOption({ label: "Hourly" });
    await bob.getByRole("button", { name: "Save preferences" }).click();
    await bob.getByText("Saved.").waitFor({ timeout: UI_TIMEOUT });
    const saved = await suite.server.api.get("/api/v1/notification-preferences", bobUser.accessToken);
    expect(saved.body.emailDigestMinutes).toBe(60);
    expect(saved.body.kinds.mention).toEqual({ email: false, push: true });
    // Browser notifications: the service worker registers; subscribing needs the browser's push
    // service, which a headless Chromium without network access may not reach. Either way the
    // person is told in words what happened.
    await bob.context().grantPermissions(["notifications"], { origin: suite.server.baseUrl });
    await bob.reload();
    await bob.getByRole("button", { name: "Enable browser notifications" }).click();
    const outcome = bob
      .getByText("On for this browser.")
      .or(bob.getByRole("alert").filter({ hasText: "push service" }));
    await outcome.first().waitFor({ timeout: UI_TIMEOUT });
    const registered = await bob.evaluate(async () =>
      Boolean(await navigator.serviceWorker.getRegistration("/")),
    );
    expect(registered).toBe(true);
    await bob.screenshot({ path: await screenshotPath("notification-preferences"), fullPage: true });
  });

  it("/messages lists every conversation outside the workspace", async () => {
    await bob.getByRole("link", { name: "Messages" }).click();
    const list = bob.getByRole("navigation", { name: "Conversations" });
    await list.getByRole("button", { name: /Wonderland/ }).waitFor({ timeout: UI_TIMEOUT });
    await list.getByRole("button", { name: /Alice Liddell/ }).click();
    await bob
      .getByTestId("message")
      .filter({ hasText: "psst (edited text)" })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(bob.url()).pathname).toMatch(/^\/messages\/cnv_/);
    await poll(() => list.getByTestId("unread-badge").count(), "what is on screen is read").toBe(0);
    await bob.screenshot({ path: await screenshotPath("messages-page") });
  });

  it("fits a phone screen: the chat covers the workspace and closes again", async () => {
    await bob.setViewportSize({ width: 390, height: 844 });
    await bob.goto(`${suite.server.baseUrl}/projects/${projectId}?chat=1`);
    const box = bob.getByRole("combobox", { name: "Message #Wonderland" });
    await box.waitFor({ timeout: UI_TIMEOUT });
    await bob
      .getByTestId("message")
      .filter({ hasText: "hello @BobBuilder" })
      .waitFor({ timeout: UI_TIMEOUT });
    await bob.screenshot({ path: await screenshotPath("chat-phone") });
    await bob.getByRole("button", { name: "Close chat" }).click();
    await poll(() => box.count(), "the chat closes").toBe(0);
    expect(new URL(bob.url()).searchParams.has("chat")).toBe(false);
    await bob.getByTestId("notification-bell").click();
    await bob.getByTestId("inbox").waitFor({ timeout: UI_TIMEOUT });
    await bob.screenshot({ path: await screenshotPath("inbox-phone") });
  });

  it("raised no page errors", () => {
    // Chromium's own console line when a page subscribes to push in an incognito context (every
    // Playwright context is one); the page shows the refusal in words.
    const incognitoPush = /does not support the Push API in incognito mode/;
    expect(suite.errors(incognitoPush)).toEqual([]);
  });
});

/** The bell's unread count, as its accessible name says it. */
async function bellCount(page: Page): Promise<number> {
  const label = (await page.getByTestId("notification-bell").getAttribute("aria-label")) ?? "";
  const count = /(\d+) unread/.exec(label);
  if (count) return Number(count[1]);
  return label.includes("none unread") ? 0 : -1;
}
