import { type Store, startTestServer, type TestServer, testStores } from "@codepark/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe } from "vitest";
import { browserAvailable, ensureWebBuild, launchBrowser, screenshotPath } from "./browser.ts";
import { watchErrors } from "./ui-helpers.ts";

/**
 * The one set-up every web suite shares: the built web app served by a real server over one store
 * (PGlite unless TEST_DATABASE_URL is set), and for browser suites a Chromium whose pages are
 * recorded, screenshotted when a test fails and closed at the end.
 */

export interface WebServerSuite {
  /** The suite's server; read it inside tests and hooks (it starts in beforeAll). */
  readonly server: TestServer;
}

export interface BrowserSuite extends WebServerSuite {
  /** A page in a fresh browser context (its own storage: another person), its errors recorded. */
  newPage(): Promise<Page>;
  /** Page and console errors of every page so far, without resource load failures or `ignore`. */
  errors(ignore?: RegExp): string[];
}

/** `describe` for suites that need Chromium: skipped without it, but in CI (CI=true) that fails. */
export function describeInBrowser(name: string, suite: () => void): void {
  describe.skipIf(!browserAvailable())(name, suite);
}

/** The server for a suite that fetches the web app without a browser. */
export function useWebServer(store: Store = defaultStore()): WebServerSuite {
  return lifecycle(store, false);
}

/** The server and a browser for a browser suite (call inside `describeInBrowser`). */
export function useBrowserSuite(store: Store = defaultStore()): BrowserSuite {
  return lifecycle(store, true);
}

function defaultStore(): Store {
  return testStores()[0]!;
}

function lifecycle(store: Store, withBrowser: boolean): BrowserSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  const errors: string[][] = [];

  beforeAll(async () => {
    ensureWebBuild();
    // Both take seconds: start them together.
    [server, browser] = await Promise.all([
      startTestServer(store),
      withBrowser ? launchBrowser() : undefined,
    ]);
  });

  afterEach(async (test) => {
    if (test.task.result?.state !== "fail") return;
    const name = `failed-${test.task.name.slice(0, 40)}`;
    for (const [index, page] of pages.entries()) {
      if (page.isClosed()) continue;
      const path = await screenshotPath(pages.length > 1 ? `${name}-${index + 1}` : name);
      await page.screenshot({ path }).catch(() => undefined);
    }
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  return {
    get server() {
      if (!server) throw new Error("the suite's server is not started yet (use it inside tests or hooks)");
      return server;
    },
    async newPage() {
      if (!browser) throw new Error("no browser: use useBrowserSuite inside tests or hooks");
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      pages.push(page);
      errors.push(watchErrors(page));
      return page;
    },
    errors: (ignore) =>
      errors.flat().filter((line) => !/Failed to load resource/.test(line) && !ignore?.test(line)),
  };
}
