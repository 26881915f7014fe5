import { type ApiClient, registerUser, startTestServer, type TestServer } from "@codepark/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

/**
 * The request tiers (docs/security.md) at their default figures, on one node (in-memory counters;
 * the Redis path is in cluster-limits.test.ts). Callers are told apart by x-forwarded-for
 * (TRUST_PROXY), so each test has addresses of its own.
 */

let nextIp = 1;
const freshIp = () => `203.0.113.${nextIp++}`;

/** A public route that answers without side effects (an unknown refresh token: 401). */
const anonymous = (api: ApiClient, ip: string) =>
  api.request("POST", "/api/v1/auth/refresh", {
    body: { refreshToken: "cprt_not-a-token" },
    headers: { "x-forwarded-for": ip },
  });
const signedIn = (api: ApiClient, token: string) => api.get("/api/v1/me", token);

/** Fires `count` requests at once and returns their statuses in order. */
async function burst(count: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: count }, send));
  return responses.map((response) => response.status);
}

const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** Moves Date (which the in-memory counters read) forward; the server's clock reads it too. */
function elapse(ms: number) {
  vi.setSystemTime(Date.now() + ms);
}

describe("request rate limits by tier", () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof registerUser>>;

  beforeAll(async () => {
    server = await startTestServer("pglite", { RATE_LIMIT_ENABLED: "true", TRUST_PROXY: "true" });
    admin = await registerUser(server.api, "Admin"); // the first account is the admin
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends the tier's policy and what is left with every answer (IETF RateLimit headers)", async () => {
    const response = await anonymous(server.api, freshIp());
    expect(response.status).toBe(401);
    expect(response.headers.get("ratelimit-policy")).toBe('"burst";q=10;w=1, "minute";q=60;w=60');
    expect(response.headers.get("ratelimit")).toMatch(/^"burst";r=9;t=1, "minute";r=59;t=(60|59)$/);
  });

  it("anonymous: a burst of 10 in a second, the 11th refused with 429 rate_limited and Retry-After", async () => {
    // Date stands still: the burst lands in one second however slow the machine is.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const ip = freshIp();
    const statuses = await burst(11, () => anonymous(server.api, ip));
    expect(countOf(statuses, 401)).toBe(10);
    expect(countOf(statuses, 429)).toBe(1);
    const refused = await anonymous(server.api, ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ code: "rate_limited", status: 429 });
    expect(refused.body.detail).toContain("10 a second");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit")).toMatch(/^"burst";r=0;/);
    // Another address is not affected.
    expect((await anonymous(server.api, freshIp())).status).toBe(401);
  });

  it("anonymous: 60 a minute sustained, then refused until the minute is over", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const ip = freshIp();
    const statuses: number[] = [];
    for (let second = 0; second < 6; second++) {
      statuses.push(...(await burst(10, () => anonymous(server.api, ip))));
      elapse(1_100);
    }
    expect(countOf(statuses, 401)).toBe(60);
    const refused = await anonymous(server.api, ip);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toContain("60 a minute");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
    elapse(60_000);
    expect((await anonymous(server.api, ip)).status).toBe(401);
  });

  it("free plan: 30 in a second and 300 a minute, per account (not per IP)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api, "Free");
    const first = await signedIn(server.api, user.accessToken);
    expect(first.headers.get("ratelimit-policy")).toBe('"burst";q=30;w=1, "minute";q=300;w=60');
    elapse(1_100);
    expect(countOf(await burst(31, () => signedIn(server.api, user.accessToken)), 429)).toBe(1);
    let ok = 1 + 30;
    for (let second = 0; second < 9; second++) {
      elapse(1_100);
      ok += countOf(await burst(30, () => signedIn(server.api, user.accessToken)), 200);
    }
    expect(ok).toBe(300);
    elapse(1_100);
    const refused = await signedIn(server.api, user.accessToken);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toContain("300 a minute");
    // Another account is not affected.
    expect((await signedIn(server.api, admin.accessToken)).status).toBe(200);
  });

  it("pro and enterprise plans, set by an admin, take effect on the next request", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api, "Paying");
    const toPro = await server.api.patch(`/api/v1/users/${user.id}`, { plan: "pro" }, admin.accessToken);
    expect(toPro.status).toBe(200);
    expect(toPro.body.plan).toBe("pro");
    const pro = await signedIn(server.api, user.accessToken);
    expect(pro.headers.get("ratelimit-policy")).toBe('"burst";q=100;w=1, "minute";q=1200;w=60');
    elapse(1_100);
    const proBurst = await burst(101, () => signedIn(server.api, user.accessToken));
    expect(countOf(proBurst, 200)).toBe(100);
    expect(countOf(proBurst, 429)).toBe(1);

    await server.api.patch(`/api/v1/users/${user.id}`, { plan: "enterprise" }, admin.accessToken);
    const enterprise = await signedIn(server.api, user.accessToken);
    // No per-minute quota at all, only the burst.
    expect(enterprise.headers.get("ratelimit-policy")).toBe('"burst";q=500;w=1');
    expect(enterprise.headers.get("ratelimit")).toMatch(/^"burst";r=499;t=1$/);
    const audit = await server.api.get("/api/v1/audit?action=user.plan_changed", admin.accessToken);
    expect(audit.body.items.map((entry: { details: unknown }) => entry.details)).toEqual([
      { plan: "enterprise", previousPlan: "pro" },
      { plan: "pro", previousPlan: "free" },
    ]);
    const refused = await server.api.patch(`/api/v1/users/${user.id}`, { plan: "gold" }, admin.accessToken);
    expect(refused.status).toBe(400);
  });

  it("an API key has its own 1,000 a minute (burst 100), apart from its owner's sessions", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const user = await registerUser(server.api, "Keyholder");
    const created = await server.api.post(
      "/api/v1/api-keys",
      { name: "ci", scopes: ["projects:read"] },
      user.accessToken,
    );
    const key = created.body.key as string;
    const viaKey = await server.api.get("/api/v1/projects", key);
    expect(viaKey.status).toBe(200);
    expect(viaKey.headers.get("ratelimit-policy")).toBe('"burst";q=100;w=1, "minute";q=1000;w=60');
    elapse(1_100);
    const statuses = await burst(101, () => server.api.get("/api/v1/projects", key));
    expect(countOf(statuses, 429)).toBe(1);
    // The owner's session still has its whole burst.
    expect((await signedIn(server.api, user.accessToken)).headers.get("ratelimit")).toMatch(/^"burst";r=29;/);
  });

  it("a request with a bad credential counts against its IP like an anonymous one", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const ip = freshIp();
    const statuses = await burst(11, () =>
      server.api.request("GET", "/api/v1/me", {
        token: "not-a-token",
        headers: { "x-forwarded-for": ip },
      }),
    );
    expect(countOf(statuses, 401)).toBe(10);
    expect(countOf(statuses, 429)).toBe(1);
  });

  it("counts refusals in the metrics, by limit", async () => {
    const metrics = await server.api.get("/metrics");
    expect(metrics.body).toMatch(/codepark_limit_rejections_total\{limit="http"\} [1-9]/);
  });
});

describe("request rate limits switched off", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite", { RATE_LIMIT_ENABLED: "false" });
  });
  afterAll(() => server?.stop());

  it("sends no RateLimit headers and refuses nothing", async () => {
    const statuses = await burst(40, () => anonymous(server.api, "198.51.100.1"));
    expect(countOf(statuses, 401)).toBe(40);
    const response = await anonymous(server.api, "198.51.100.1");
    expect(response.headers.get("ratelimit")).toBeNull();
  });
});
