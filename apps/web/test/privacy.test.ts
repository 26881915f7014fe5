import { registerUser } from "@codepark/testing";
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { describeInBrowser, useBrowserSuite } from "./browser-suite.ts";
import {
  createProjectViaUi,
  PASSWORD,
  signInViaUi,
  signUpViaUi,
  UI_TIMEOUT,
  uniqueEmail,
} from "./ui-helpers.ts";

describeInBrowser("Settings → Privacy in the browser: export my data, delete my account", () => {
  const suite = useBrowserSuite();
  let page: Page;
  const email = uniqueEmail("pia");

  beforeAll(async () => {
    // The instance's first account is its admin, which cannot delete itself while it is the only one.
    await registerUser(suite.server.api, "First Admin");
    page = await suite.newPage();
  });

  it("exports the person's data: status while it is prepared, then a download", async () => {
    await signUpViaUi(page, suite.server.baseUrl, "Pia", email);
    await createProjectViaUi(page, "Pia's project");
    await page.goto(`${suite.server.baseUrl}/settings/privacy`);
    await page.getByRole("button", { name: "Export my data" }).click();
    const download = page.getByRole("button", { name: "Download" });
    await download.waitFor({ timeout: UI_TIMEOUT });
    const [file] = await Promise.all([
      page.waitForEvent("download", { timeout: UI_TIMEOUT }),
      download.click(),
    ]);
    expect(file.suggestedFilename()).toMatch(/^codepark-export-.*\.zip$/);
    const path = await file.path();
    expect(path).toBeTruthy();
  });

  it("deletes the account after the password and a confirmation, and signs out", async () => {
    await page.goto(`${suite.server.baseUrl}/settings/privacy`);
    await page.getByText("Projects you own (1)").waitFor({ timeout: UI_TIMEOUT });
    await page.getByLabel("Delete them, with their files and chat").check();
    await page.getByLabel("Your password").fill("not my password");
    await page.getByRole("button", { name: "Delete my account…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete my account" }).click();
    await page.getByRole("dialog").getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await page.getByLabel("Your password").fill(PASSWORD);
    await page.getByRole("button", { name: "Delete my account…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/sign-in/, { timeout: UI_TIMEOUT });
    await signInViaUi(page, email);
    await page.getByRole("alert").waitFor({ timeout: UI_TIMEOUT });
    expect(suite.errors(/401|invalid_credentials|Invalid email or password|Wrong password/)).toEqual([]);
  });
});
