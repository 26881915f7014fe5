import { authenticatorCode } from "@codepark/testing";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import { PASSWORD, poll, signInViaUi, signUpViaUi, UI_TIMEOUT, uniqueEmail } from "./ui-helpers.ts";

const STEP_MS = 30_000;

describeInBrowser("accounts in the browser: 2FA, sessions, API keys, token refresh", () => {
  const suite = useBrowserSuite();
  let page: Page;
  const email = uniqueEmail("dana");
  let secret = "";
  let recoveryCodes: string[] = [];

  /** A TOTP code for a fresh time step (each step's code is accepted once): the server's clock moves on. */
  function nextCode(): string {
    suite.server.clock.advance(STEP_MS);
    return authenticatorCode(secret, suite.server.clock.now());
  }

  async function signInWithCode(code: string) {
    await signInViaUi(page, email);
    await page.getByLabel("Authentication code").fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
  }

  const stored = () =>
    page.evaluate(
      () => JSON.parse(localStorage.getItem("codepark.session") ?? "null") as Record<string, any> | null,
    );

  beforeAll(async () => {
    page = await suite.newPage();
  });

  it("shows the server's explanation when sign-up or sign-in fails", async () => {
    await page.goto(`${suite.server.baseUrl}/sign-up`);
    await page.getByLabel("Name").fill("Dana");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("aaaaaaaaaaaa");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("alert").innerText()).toMatch(/password/i);

    await page.goto(`${suite.server.baseUrl}/`);
    await page.waitForURL(/\/sign-in\?next=%2F$/, { timeout: UI_TIMEOUT });
    await signInViaUi(page, "nobody@example.test", "wrong password here");
    await page.getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    expect((await page.getByRole("alert").innerText()).length).toBeGreaterThan(10);
  });

  it("turns 2FA on from the settings page: QR code, then recovery codes shown once", async () => {
    await signUpViaUi(page, suite.server.baseUrl, "Dana", email);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    const qr = page.getByRole("img", { name: /QR code/ });
    await qr.waitFor({ timeout: UI_TIMEOUT });
    await poll(
      () => qr.evaluate((img: HTMLImageElement) => img.naturalWidth),
      "the QR code loads",
    ).toBeGreaterThan(0);
    secret = (await page.getByTestId("totp-secret").innerText()).trim();

    await page.getByLabel("Code from the app").fill("000000");
    await page.getByRole("button", { name: "Turn on 2FA" }).click();
    await page.getByRole("alert").waitFor({ timeout: UI_TIMEOUT }); // a wrong code, said in words

    await page.getByLabel("Code from the app").fill(authenticatorCode(secret, suite.server.clock.now()));
    await page.getByRole("button", { name: "Turn on 2FA" }).click();
    const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
    await codes.first().waitFor({ timeout: UI_TIMEOUT });
    recoveryCodes = (await codes.allInnerTexts()).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    await page.getByRole("button", { name: "I have saved them" }).click();
    await page
      .getByText("Two-factor authentication is on.", { exact: false })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("list", { name: "Recovery codes" }).count()).toBe(0);
  });

  it("signs out, then signs in with a code from the authenticator, or a recovery code", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInWithCode(nextCode());
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole("button", { name: "Sign out" }).click();
    await signInViaUi(page, email);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });
  });

  it("lists sessions and signs another device out", async () => {
    const other = await suite.server.api.post("/api/v1/auth/login", {
      email,
      password: PASSWORD,
      otp: nextCode(),
    });
    expect(other.status).toBe(200);
    await page.goto(`${suite.server.baseUrl}/settings/sessions`);
    const items = page.locator(".session-item");
    await poll(() => items.count(), "both sessions are listed").toBeGreaterThanOrEqual(2);
    const before = await items.count();
    await items
      .filter({ hasNot: page.locator(".badge") })
      .last()
      .getByRole("button", { name: "Sign out this device" })
      .click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out device" }).click();
    await poll(() => items.count(), "the device leaves the list").toBe(before - 1);
    await expect(
      items.filter({ has: page.locator(".badge", { hasText: "this device" }) }).count(),
    ).resolves.toBe(1);
    const refresh = await suite.server.api.post("/api/v1/auth/refresh", {
      refreshToken: other.body.refreshToken,
    });
    expect(refresh.status).toBe(401);
  });

  it("creates an API key (shown once), lists it and revokes it", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Key name").fill("CI deploy");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-api-key");
    await shown.waitFor({ timeout: UI_TIMEOUT });
    const key = (await shown.innerText()).trim();
    expect(key).toMatch(/^cpk_/);
    expect((await suite.server.api.get("/api/v1/projects", key)).status).toBe(200);
    await page.getByRole("button", { name: "Done" }).click();
    expect(await shown.count()).toBe(0);
    await page.locator(".session-item", { hasText: "CI deploy" }).waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole("button", { name: "Revoke CI deploy" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await page.getByText("No API keys yet.").waitFor({ timeout: UI_TIMEOUT });
    expect((await suite.server.api.get("/api/v1/projects", key)).status).toBe(401);
  });

  it("refreshes an expired access token silently, once, even for concurrent requests", async () => {
    const token = (await stored())!.accessToken as string;
    const project = await suite.server.api.post("/api/v1/projects", { name: "Refresh check" }, token);
    expect(project.status).toBe(201);
    const refreshes: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/api/v1/auth/refresh")) refreshes.push(request.postData() ?? "");
    });
    suite.server.clock.advance(16 * 60_000); // every access token issued so far has expired
    // The workspace asks for the project, its files and a realtime connection at once.
    await page.goto(`${suite.server.baseUrl}/projects/${project.body.id}`);
    await page.getByRole("heading", { name: "Refresh check" }).waitFor({ timeout: UI_TIMEOUT });
    await page.locator('.connection[data-state="connected"]').waitFor({ timeout: UI_TIMEOUT });
    await page.locator(".presence-bar", { hasText: "Dana (you)" }).waitFor({ timeout: UI_TIMEOUT });
    expect(refreshes).toHaveLength(1);
    expect((await stored())!.accessToken).not.toBe(token);
  });

  it("an ended session goes to sign-in and comes back to the page afterwards", async () => {
    await page.goto(`${suite.server.baseUrl}/settings/api-keys`);
    await page.getByRole("heading", { name: "API keys" }).waitFor({ timeout: UI_TIMEOUT });
    const token = (await stored())!.accessToken as string;
    expect((await suite.server.api.post("/api/v1/auth/logout", {}, token)).status).toBe(204);

    // The server drops the session's realtime connection (every signed-in page has one, for the
    // notification bell) and the app finds out at once, without waiting for the next request.
    await page.getByText("Your session has ended").waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(page.url()).searchParams.get("next")).toBe("/settings/api-keys");
    await signInWithCode(nextCode());
    await page.getByRole("heading", { name: "API keys" }).waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(page.url()).pathname).toBe("/settings/api-keys");
  });

  it("raised no page errors", () => {
    expect(suite.errors()).toEqual([]);
  });
});
