import { createTestDatabase, TestClock, testStores } from "@codepark/testing";
import { asc } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions } from "../src/domain/auth/schema.ts";
import { jobs } from "../src/domain/jobs/schema.ts";
import { purgeJobs, purgeSessions } from "../src/domain/maintenance.ts";
import type { Database } from "../src/domain/ports/database.ts";
import { accountTokens, users } from "../src/domain/users/schema.ts";
import { openDatabase } from "../src/infra/db/database.ts";

const DAY = 86_400_000;

/** The recurring housekeeping: what it deletes, and what it must keep. */
describe.each(testStores())("maintenance on %s", (store) => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  const clock = new TestClock();
  const ago = (ms: number) => new Date(clock.now().getTime() - ms);

  beforeAll(async () => {
    if (store === "postgres") {
      const testDb = await createTestDatabase();
      drop = testDb.drop;
      database = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 2 });
    } else {
      database = await openDatabase({ kind: "pglite" });
    }
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it("purges sessions a day past expiry or revocation, and only those", async () => {
    const { db } = database;
    const now = clock.now();
    await db.insert(users).values({
      id: "usr_1",
      email: "ada@example.com",
      name: "Ada",
      passwordHash: "x",
      role: "user",
      createdAt: now,
      updatedAt: now,
    });
    const session = (id: string, expiresAt: Date, revokedAt: Date | null = null) => ({
      id,
      userId: "usr_1",
      createdAt: ago(40 * DAY),
      lastSeenAt: ago(40 * DAY),
      expiresAt,
      revokedAt,
    });
    await db
      .insert(sessions)
      .values([
        session("live", new Date(now.getTime() + DAY)),
        session("expired-just-now", ago(60_000)),
        session("expired-long-ago", ago(2 * DAY)),
        session("revoked-just-now", new Date(now.getTime() + DAY), ago(60_000)),
        session("revoked-long-ago", new Date(now.getTime() + DAY), ago(2 * DAY)),
      ]);
    expect(await purgeSessions(db, clock)).toBe(2);
    const left = await db.select({ id: sessions.id }).from(sessions).orderBy(asc(sessions.id));
    expect(left.map((row) => row.id)).toEqual(["expired-just-now", "live", "revoked-just-now"]);
  });

  it("purges emailed and one-time account tokens a day past expiry or use, and only those", async () => {
    const { db } = database;
    const now = clock.now();
    const token = (tokenHash: string, expiresAt: Date, usedAt: Date | null = null) => ({
      tokenHash,
      userId: "usr_1",
      purpose: "password_reset" as const,
      createdAt: ago(3 * DAY),
      expiresAt,
      usedAt,
    });
    await db
      .insert(accountTokens)
      .values([
        token("live", new Date(now.getTime() + DAY)),
        token("expired-just-now", ago(60_000)),
        token("expired-long-ago", ago(2 * DAY)),
        token("used-just-now", new Date(now.getTime() + DAY), ago(60_000)),
        token("used-long-ago", new Date(now.getTime() + DAY), ago(2 * DAY)),
      ]);
    expect(await purgeSessions(db, clock)).toBe(2);
    const left = await db
      .select({ tokenHash: accountTokens.tokenHash })
      .from(accountTokens)
      .orderBy(asc(accountTokens.tokenHash));
    expect(left.map((row) => row.tokenHash)).toEqual(["expired-just-now", "live", "used-just-now"]);
  });

  it("purges completed jobs after a day and dead ones after thirty, never pending or recent ones", async () => {
    const { db } = database;
    const job = (name: string, state: "pending" | "completed" | "dead", finishedAt: Date | null) => ({
      queue: "maintenance",
      name,
      payload: {},
      priority: 5,
      state,
      maxAttempts: 3,
      runAt: ago(40 * DAY),
      finishedAt,
      createdAt: ago(40 * DAY),
      updatedAt: ago(40 * DAY),
    });
    await db
      .insert(jobs)
      .values([
        job("pending", "pending", null),
        job("completed-recently", "completed", ago(DAY / 2)),
        job("completed-long-ago", "completed", ago(2 * DAY)),
        job("dead-recently", "dead", ago(2 * DAY)),
        job("dead-long-ago", "dead", ago(31 * DAY)),
      ]);
    expect(await purgeJobs(db, clock)).toBe(2);
    const left = await db.select({ name: jobs.name }).from(jobs).orderBy(asc(jobs.name));
    expect(left.map((row) => row.name)).toEqual(["completed-recently", "dead-recently", "pending"]);
  });
});
