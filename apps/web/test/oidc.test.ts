import { randomBytes } from "node:crypto";
import { startTestServer, type TestServer, testStores } from "@codepark/testing";
import { freePort, startOidcProvider, type TestOidcProvider } from "@codepark/testing/oidc";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, ensureWebBuild, launchBrowser } from "./browser.ts";
import { UI_TIMEOUT, uniqueEmail, watchErrors } from "./ui-helpers.ts";

// Sign-in with an OpenID provider through the real web app in Chromium: the button, the redirects
// through a real provider (oidc-provider, logging in automatically), the code exchange, the return.
describe.skipIf(!browserAvailable())("OIDC sign-in in the browser", () => {
  let server: TestServer;
  let idp: TestOidcProvider;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuild();
    const port = await freePort();
    const secret = randomBytes(24).toString("base64url");
    [server, browser] = await Promise.all([
      startTestServer(testStores()[0]!, {
        OIDC_ISSUER: `http://127.0.0.1:${port}`,
        OIDC_CLIENT_ID: "codepark-web",
        OIDC_CLIENT_SECRET: secret,
        OIDC_DISPLAY_NAME: "Acme ID",
      }),
      launchBrowser(),
    ]);
    idp = await startOidcProvider({
      port,
      redirectUris: [`${server.baseUrl}/api/v1/auth/oidc/callback`],
      clientId: "codepark-web",
      clientSecret: secret,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.close();
  });

  async function freshPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    return { page, errors: watchErrors(page) };
  }

  it("signs a new person in with the provider's button and returns to the page they asked for", async () => {
    const email = uniqueEmail("ola");
    idp.accounts.set("ola", { email, email_verified: true, name: "Ola Nordmann" });
    idp.signInAs("ola");
    const { page, errors } = await freshPage();
    await page.goto(`${server.baseUrl}/settings`);
    await page.waitForURL(/\/sign-in\?next=%2Fsettings$/, { timeout: UI_TIMEOUT });
    await page.getByRole("button", { name: "Sign in with Acme ID" }).click();
    await page.waitForURL(`${server.baseUrl}/settings`, { timeout: UI_TIMEOUT });
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("codepark.session") ?? "null"));
    expect(stored?.user).toMatchObject({ email, name: "Ola Nordmann", emailVerified: true });
    // The one-time code was only in the page's URL, and the page left it.
    expect(page.url()).not.toContain("code=");
    expect(errors).toEqual([]);
  });

  it("shows why the provider's sign-in was refused, with the way back", async () => {
    idp.accounts.set("unverified", { email: uniqueEmail("uma"), email_verified: false });
    idp.signInAs("unverified");
    const { page } = await freshPage();
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByRole("button", { name: "Sign in with Acme ID" }).click();
    await page.getByRole("heading", { name: "Sign-in did not complete" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("alert").innerText()).toMatch(/has not verified your email/);
    await page.getByRole("link", { name: "Back to sign in" }).click();
    await page.getByRole("heading", { name: "Sign in to CodePark" }).waitFor({ timeout: UI_TIMEOUT });
  });
});
