import { registerUser } from "@codepark/testing";
import { readMailDir } from "@codepark/testing/smtp";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import { PASSWORD, poll, signInViaUi, signUpViaUi, UI_TIMEOUT, uniqueEmail } from "./ui-helpers.ts";

/**
 * The account pages in the browser: verification banner and link page, forgot and reset password
 * from sign-in, profile and password settings, and sign-up with a taken address. The server has no
 * SMTP_URL, so its emails are `.eml` files in its data directory: links are read from there.
 */
describeInBrowser("account lifecycle in the browser", () => {
  const suite = useBrowserSuite();
  let page: Page;
  const email = uniqueEmail("vera");

  beforeAll(async () => {
    page = await suite.newPage();
  });

  /** Account emails of one kind (X-CodePark-Account) to an address, oldest first. */
  async function mailsOf(kind: string, to: string) {
    return (await readMailDir(suite.server.dataDir)).filter(
      (mail) => mail.headers.get("x-codepark-account") === kind && JSON.stringify(mail.to ?? "").includes(to),
    );
  }

  /** The path and query of the link to `path` in the `nth` email of this kind to `to` (once it came). */
  async function linkFrom(to: string, kind: string, path: string, nth = 1): Promise<string> {
    const pattern = new RegExp(`https?://[^/\\s]+(${path}\\?token=[A-Za-z0-9_-]+)`);
    let link: string | undefined;
    await poll(async () => {
      link = pattern.exec((await mailsOf(kind, to))[nth - 1]?.text ?? "")?.[1];
      return link !== undefined;
    }, `${kind} email #${nth} to ${to}`).toBe(true);
    return link!;
  }

  it("signs up unverified, shows the banner, and verifies through the emailed link", async () => {
    await signUpViaUi(page, suite.server.baseUrl, "Vera", email);
    const banner = page.locator(".verify-banner");
    await banner.waitFor({ timeout: UI_TIMEOUT });
    expect(await banner.innerText()).toContain(email);
    await banner.getByRole("button", { name: "Send the link again" }).click();
    await banner.getByText("A new link is on its way").waitFor({ timeout: UI_TIMEOUT });

    // The second link (the resend replaced the first).
    const link = await linkFrom(email, "verify-email", "/verify-email", 2);
    await page.goto(`${suite.server.baseUrl}${link}`);
    await page.getByText("Your email address is verified.").waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole("link", { name: "Go to your projects" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });
    await poll(() => banner.count(), "the banner goes once verified").toBe(0);
  });

  it("changes the name at once and asks for a link to a new email address", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Vera Verified");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText("Your name is saved.").waitFor({ timeout: UI_TIMEOUT });
    await poll(() => page.locator(".user-name").innerText(), "the header shows the new name").toBe(
      "Vera Verified",
    );

    const target = uniqueEmail("vera-new");
    await page.getByLabel("New email address").fill(target);
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change email" }).click();
    await page.getByText(`Check ${target} for a link`).waitFor({ timeout: UI_TIMEOUT });
    // Unchanged until the new address is verified.
    expect(await page.locator(".card", { hasText: "Your account uses" }).innerText()).toContain(email);
    await linkFrom(target, "confirm-new-email", "/verify-email");
  });

  it("changes the password from settings", async () => {
    await page.getByRole("link", { name: "Password and 2FA" }).click();
    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password").fill("a changed passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByRole("alert").innerText()).toMatch(/current password/i);

    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill("a changed passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Your password is changed.").waitFor({ timeout: UI_TIMEOUT });
    const signIn = await suite.server.api.post("/api/v1/auth/login", {
      email,
      password: "a changed passphrase",
    });
    expect(signIn.status).toBe(200);
  });

  it("resets a forgotten password from the sign-in page, through the emailed link", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to CodePark" }).waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByText("a link to choose a new password is on its way").waitFor({ timeout: UI_TIMEOUT });

    const link = await linkFrom(email, "password-reset", "/reset-password");
    await page.goto(`${suite.server.baseUrl}${link}`);
    await page.getByLabel("New password", { exact: true }).fill("reset passphrase one");
    await page.getByLabel("New password again").fill("reset passphrase two");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("The two passwords are not the same.").waitFor({ timeout: UI_TIMEOUT });
    await page.getByLabel("New password again").fill("reset passphrase one");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("Your password is changed.").waitFor({ timeout: UI_TIMEOUT });

    // The link worked once.
    await page.goto(`${suite.server.baseUrl}${link}`);
    await page.getByLabel("New password", { exact: true }).fill("reset passphrase three");
    await page.getByLabel("New password again").fill("reset passphrase three");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByRole("link", { name: "Ask for a new link" }).waitFor({ timeout: UI_TIMEOUT });

    await page.goto(`${suite.server.baseUrl}/sign-in`);
    await signInViaUi(page, email, "reset passphrase one");
    await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });
  });

  it("signing up with a taken address says to check the email, and signs nobody in", async () => {
    const owner = await registerUser(suite.server.api, "Taken Owner");
    const other = await suite.newPage();
    await other.goto(`${suite.server.baseUrl}/sign-up`);
    await other.getByLabel("Name").fill("Someone Else");
    await other.getByLabel("Email").fill(owner.email);
    await other.getByLabel("Password").fill("a different passphrase");
    await other.getByRole("button", { name: "Create account" }).click();
    await other.getByRole("heading", { name: "Check your email" }).waitFor({ timeout: UI_TIMEOUT });
    expect(await other.evaluate(() => localStorage.getItem("codepark.session"))).toBeNull();
    // Its owner is told instead.
    await poll(async () => (await mailsOf("signup-existing", owner.email)).length, "the owner's notice").toBe(
      1,
    );
  });

  it("raised no page errors", () => {
    expect(suite.errors()).toEqual([]);
  });
});
