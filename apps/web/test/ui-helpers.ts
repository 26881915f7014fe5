import type { Page } from "playwright-core";
import { expect } from "vitest";

/** How long a UI condition may take before the test fails with a message (never a fixed sleep). */
export const UI_TIMEOUT = 15_000;

let counter = 0;

export function uniqueEmail(name: string): string {
  counter += 1;
  return `${name.toLowerCase()}-${Date.now().toString(36)}-${counter}@example.test`;
}

export const PASSWORD = "correct horse battery staple";

/** Collects page errors and console errors, so a test can assert the app did not blow up. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export async function signUpViaUi(page: Page, baseUrl: string, name: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-up`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Projects" }).waitFor({ timeout: UI_TIMEOUT });
}

/** Fills the sign-in form on the current page (the app sends signed-out visitors there). */
export async function signInViaUi(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByRole("heading", { name: "Sign in to CodePark" }).waitFor({ timeout: UI_TIMEOUT });
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The text of the visible Monaco editor, as the person sees it. */
export async function editorText(page: Page, selector = '[data-testid="editor"]'): Promise<string> {
  return page.evaluate((root) => {
    const lines = document.querySelectorAll<HTMLElement>(`${root} .view-lines .view-line`);
    const ordered = [...lines].sort(
      (a, b) => Number.parseFloat(a.style.top) - Number.parseFloat(b.style.top),
    );
    return ordered.map((line) => (line.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  }, selector);
}

export async function focusEditor(page: Page): Promise<void> {
  await page.locator('[data-testid="editor"] .view-lines').click({ timeout: UI_TIMEOUT });
}

/** Waits until the editor of the page shows connected (live, synced). */
export async function waitConnected(page: Page): Promise<void> {
  await page.locator('.connection[data-state="connected"]').waitFor({ timeout: UI_TIMEOUT });
}

export function poll<T>(read: () => Promise<T>, message: string) {
  return expect.poll(read, { timeout: UI_TIMEOUT, interval: 100, message });
}

/** The access token the app keeps for the signed-in person of `page`. */
export function tokenOf(page: Page): Promise<string> {
  return page.evaluate(
    () => JSON.parse(localStorage.getItem("codepark.session") ?? "{}").accessToken as string,
  );
}

/** Creates a project from the projects page and waits for its workspace; returns its id. */
export async function createProjectViaUi(page: Page, name: string): Promise<string> {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByRole("heading", { name }).waitFor({ timeout: UI_TIMEOUT });
  return new URL(page.url()).pathname.split("/")[2]!;
}
