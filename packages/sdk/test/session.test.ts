import { authenticatorCode, registerUser, testStores } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memorySessionStore, ProblemError } from "../src/index.ts";
import { type SdkFixture, startSdkFixture } from "./fixtures.ts";

const FIFTEEN_MINUTES = 15 * 60_000;

describe.each(testStores())("SDK sessions on %s", (store) => {
  let fixture: SdkFixture;
  beforeAll(async () => {
    fixture = await startSdkFixture(store);
  });
  afterAll(() => fixture?.stop());

  /** A fetch that counts refresh requests, so a test can see how many the client made. */
  const countingFetch = () => {
    const counter = { refreshes: 0 };
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (String(input).endsWith("/api/v1/auth/refresh")) counter.refreshes += 1;
      return globalThis.fetch(input, init);
    };
    return { counter, fetch };
  };

  it("signs in with credentials on first use", async () => {
    const user = await registerUser(fixture.server.api, "Creds");
    const client = fixture.client({ credentials: { email: user.email, password: user.password } });
    expect((await client.account.me()).id).toBe(user.id);
  });

  it("signs in with credentials and a TOTP code when 2FA is on", async () => {
    const { user, client } = await fixture.account("Totp");
    const setup = await client.auth.twoFactorSetup();
    const now = () => new Date(fixture.server.clock.now());
    await client.auth.twoFactorEnable({ code: authenticatorCode(setup.secret, now()) });

    const without = fixture.client({ credentials: { email: user.email, password: user.password } });
    await expect(without.account.me()).rejects.toMatchObject({ status: 401, code: "mfa_required" });
    // The next window's code: the one just used for enabling is refused as a replay.
    const totp = () => authenticatorCode(setup.secret, new Date(now().getTime() + 30_000));
    const withTotp = fixture.client({ credentials: { email: user.email, password: user.password, totp } });
    expect((await withTotp.account.me()).id).toBe(user.id);
  });

  it("refreshes an expired access token once for concurrent calls, rotating the refresh token", async () => {
    const user = await registerUser(fixture.server.api, "Expiring");
    const session = memorySessionStore({ ...user, receivedAt: Date.now() });
    const { counter, fetch } = countingFetch();
    const client = fixture.client({ session, fetch });
    expect((await client.account.me()).id).toBe(user.id);
    fixture.server.clock.advance(FIFTEEN_MINUTES + 1_000);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => client.account.me()));
      expect(answers.map((me) => me.id)).toEqual(Array(5).fill(user.id));
      expect(counter.refreshes).toBe(1);
      expect(session.get()?.refreshToken).not.toBe(user.refreshToken);
      expect(session.get()?.accessToken).not.toBe(user.accessToken);
    } finally {
      fixture.server.clock.advance(-(FIFTEEN_MINUTES + 1_000));
    }
    // The rotated pair is the live one: the session was not revoked as a reuse.
    expect((await client.account.me()).id).toBe(user.id);
  });

  it("signs in again with credentials when its session is revoked", async () => {
    const user = await registerUser(fixture.server.api, "Relogin");
    const { counter, fetch } = countingFetch();
    const client = fixture.client({ credentials: { email: user.email, password: user.password }, fetch });
    await client.account.me();
    // Sign the client's session out from under it: its tokens stop working.
    const before = await client.accessToken();
    const other = fixture.client({ credentials: { email: user.email, password: user.password } });
    const sessions = await other.account.listSessions();
    // The harness's own sign-in and this client's: every session but `other`'s.
    const others = sessions.items.filter((each) => !each.current);
    expect(others.length).toBe(2);
    for (const each of others) await other.account.revokeSession({ id: each.id });
    expect((await client.account.me()).id).toBe(user.id);
    expect(await client.accessToken()).not.toBe(before);
    expect(counter.refreshes).toBe(0);
  });

  it("ends the session on session_revoked, and a token-only client reports it as a ProblemError", async () => {
    const user = await registerUser(fixture.server.api, "Revoked");
    const session = memorySessionStore({ ...user, receivedAt: Date.now() });
    const client = fixture.client({ session });
    await client.auth.logout();
    const failure = await client.account.me().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProblemError);
    expect(failure).toMatchObject({ status: 401 });
    expect(session.get()).toBeNull();
    await expect(client.projects.list()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("a client with only an access token cannot refresh: an expired token is a 401 ProblemError", async () => {
    const user = await registerUser(fixture.server.api, "Fixed");
    const client = fixture.client({ token: user.accessToken });
    fixture.server.clock.advance(FIFTEEN_MINUTES + 1_000);
    try {
      await expect(client.account.me()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    } finally {
      fixture.server.clock.advance(-(FIFTEEN_MINUTES + 1_000));
    }
  });
});
