import { randomBytes } from "node:crypto";
import {
  authenticatorCode,
  makeSubscription,
  registerUser,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { openEditor } from "@codepark/testing/collab";
import { connectClient } from "@codepark/testing/realtime";
import { type SmtpReceiver, startSmtpReceiver } from "@codepark/testing/smtp";
import { WebhookReceiver } from "@codepark/testing/webhooks";
import { sql } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeExports } from "../src/domain/privacy/retention.ts";
import { rowsOf } from "../src/infra/db/rows.ts";

const HOUR = 60 * 60_000;

describe.each(testStores())("privacy (export and account deletion) on %s", (store) => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  let hooks: WebhookReceiver;
  let admin: TestUser;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    hooks = await WebhookReceiver.start();
    server = await startTestServer(store, {
      SMTP_URL: smtp.url,
      MAIL_FROM: "CodePark <codepark@example.test>",
      JOBS_POLL_INTERVAL_MS: "50",
      // The admin's webhook below lives on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE: "true",
      COLLAB_UNLOAD_GRACE_MS: "50",
    });
    // The first account is the instance's admin. Its webhook hears of everything (user.created with
    // emails and names, members, messages), so webhook deliveries hold personal data to scrub.
    admin = await registerUser(server.api, "Instance Admin");
    const hook = await server.api.post(
      "/api/v1/webhooks",
      { url: hooks.url, events: ["user.created", "member.added", "member.removed", "message.created"] },
      admin.accessToken,
    );
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([smtp?.close(), hooks?.close()]);
  });

  const query = async <T = Record<string, unknown>>(statement: ReturnType<typeof sql>) =>
    rowsOf<T>(await server.app.ctx.db.execute(statement));

  /** Every due job done (the test clock decides what is due). */
  async function settle() {
    await waitFor(
      async () => {
        const [row] = await query<{ n: number }>(
          sql`SELECT count(*)::int AS n FROM jobs WHERE state = 'running' OR (state = 'pending' AND run_at <= ${server.clock.now()})`,
        );
        return row!.n === 0;
      },
      15_000,
      "the job queue to settle",
    );
  }

  /** A fresh access token (the test clock may have moved past the old one). */
  async function signIn(user: TestUser, extra: Record<string, string> = {}): Promise<string> {
    const response = await server.api.post("/api/v1/auth/login", {
      email: user.email,
      password: user.password,
      ...extra,
    });
    expect(response.status).toBe(200);
    return response.body.accessToken as string;
  }

  /** A person with a name that appears nowhere else, so searching for it means something. */
  const person = (first: string) => registerUser(server.api, `${first} ${randomBytes(4).toString("hex")}x`);

  async function nameOf(user: TestUser): Promise<string> {
    return (await server.api.get("/api/v1/me", user.accessToken)).body.name as string;
  }

  async function newProject(owner: TestUser, name: string): Promise<string> {
    const response = await server.api.post("/api/v1/projects", { name }, owner.accessToken);
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  async function addMember(owner: TestUser, projectId: string, member: TestUser, role: string) {
    const response = await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: member.email, role },
      owner.accessToken,
    );
    expect(response.status).toBe(201);
  }

  async function newFile(user: TestUser, projectId: string, path: string, content: string): Promise<string> {
    const response = await server.api.post(
      `/api/v1/projects/${projectId}/files`,
      { path, content },
      user.accessToken,
    );
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  async function post(user: TestUser, path: string, body: unknown) {
    const response = await server.api.post(path, body, user.accessToken);
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    return response.body;
  }

  const mailTo = (email: string, subject: RegExp) =>
    smtp.messages.filter(
      (mail) => mail.envelope.to.includes(email) && subject.test(mail.parsed.subject ?? ""),
    );

  /** Asks for an export and waits for the email; answers the export id and the link it carries. */
  async function exportBy(requester: () => Promise<{ status: number; body: any }>, email: string) {
    const before = mailTo(email, /data export is ready/).length;
    const requested = await requester();
    expect(requested.status).toBe(202);
    expect(requested.body.status).toBe("pending");
    await waitFor(() => mailTo(email, /data export is ready/).length > before, 15_000, "the export email");
    const mail = mailTo(email, /data export is ready/).at(-1)!;
    const link = /(\/api\/v1\/me\/exports\/[^\s]+\/download\?token=[^\s]+)/.exec(mail.parsed.text ?? "")?.[1];
    expect(link).toBeDefined();
    return { exportId: requested.body.id as string, link: link! };
  }

  async function download(link: string) {
    const response = await fetch(`${server.baseUrl}${link}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { response, bytes };
  }

  it("exports everything about the person as a ZIP, with live file text and no secrets; the link expires", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const aliceName = await nameOf(alice);

    // A project Alice owns (a file, a named version, then a live edit not yet in files.content).
    const own = await newProject(alice, "Alice's atlas");
    await addMember(alice, own, bob, "editor");
    const fileId = await newFile(alice, own, "src/main.ts", "export const answer = 41;\n");
    await post(alice, `/api/v1/projects/${own}/files/${fileId}/versions`, { name: "first draft" });
    const editor = openEditor(server.baseUrl, fileId, alice.accessToken);
    await editor.synced();
    editor.text.insert(0, "// live edit\n");
    const live = "// live edit\nexport const answer = 41;\n";
    await waitFor(
      async () =>
        (await server.api.get(`/api/v1/projects/${own}/files/${fileId}`, bob.accessToken)).body.content ===
        live,
      10_000,
      "the live edit",
    );
    const [stored] = await query<{ content: string }>(sql`SELECT content FROM files WHERE id = ${fileId}`);
    expect(stored!.content).not.toBe(live);

    // A project Bob owns where Alice is a viewer: a membership, not hers to export.
    const theirs = await newProject(bob, "Bob's bazaar");
    await newFile(bob, theirs, "secret-plans.md", "Bob's text, not Alice's\n");
    await addMember(bob, theirs, alice, "viewer");

    // Chat: Alice writes in her project and to Bob directly; Bob mentions her.
    await post(alice, `/api/v1/projects/${own}/messages`, { body: "Atlas channel message from Alice" });
    const direct = await post(alice, "/api/v1/conversations", { userId: bob.id });
    await post(alice, `/api/v1/conversations/${direct.id}/messages`, { body: "A direct word for Bob" });
    await post(bob, `/api/v1/projects/${own}/messages`, { body: `@${aliceName.split(" ")[0]} have a look` });

    // Secrets that must never appear: an API key, the tokens, the password hash, the TOTP secret.
    const key = await post(alice, "/api/v1/api-keys", { name: "ci key", scopes: ["projects:read"] });
    await server.api.put(
      "/api/v1/notification-preferences",
      { kinds: { role_changed: { email: true } } },
      alice.accessToken,
    );
    const subscription = makeSubscription("https://push.example.test/send/alice-device");
    await post(alice, "/api/v1/push-subscriptions", {
      endpoint: subscription.endpoint,
      keys: subscription.keys,
    });
    await waitFor(
      async () =>
        (await server.api.get("/api/v1/notifications", alice.accessToken)).body.items.some(
          (item: { kind: string }) => item.kind === "mention",
        ),
      10_000,
      "the mention notification",
    );
    await settle();

    const { exportId, link } = await exportBy(
      () => server.api.post("/api/v1/me/export", undefined, alice.accessToken),
      alice.email,
    );
    const listed = (await server.api.get("/api/v1/me/exports", alice.accessToken)).body.items;
    expect(listed[0]).toMatchObject({ id: exportId, status: "ready", requestedBy: "self" });
    const inbox = (await server.api.get("/api/v1/notifications", alice.accessToken)).body.items;
    expect(inbox[0]).toMatchObject({ kind: "export_ready", url: link });

    const { response, bytes } = await download(link);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="codepark-export-.*\.zip"$/,
    );
    expect(listed[0].size).toBe(bytes.byteLength);
    const files = Object.fromEntries(
      Object.entries(unzipSync(bytes)).map(([name, data]) => [name, strFromU8(data)]),
    );
    const read = (name: string) => JSON.parse(files[name] ?? "null");

    expect(read("profile.json")).toMatchObject({ id: alice.id, email: alice.email, name: aliceName });
    expect(read("sessions.json").length).toBeGreaterThanOrEqual(1);
    expect(read("api-keys.json")).toEqual([
      expect.objectContaining({ id: key.id, name: "ci key", prefix: key.prefix }),
    ]);
    expect(read("push-subscriptions.json")).toEqual([
      expect.objectContaining({ pushService: "push.example.test" }),
    ]);
    expect(read("notification-preferences.json").choices).toContainEqual({
      kind: "role_changed",
      channel: "email",
      enabled: true,
    });
    expect(
      read("memberships.json")
        .map((row: { projectId: string; role: string }) => [row.projectId, row.role])
        .sort(),
    ).toEqual(
      [
        [own, "owner"],
        [theirs, "viewer"],
      ].sort(),
    );

    // The project she owns, with the live text and every version's text; not Bob's project.
    expect(files[`projects/${own}/files/src/main.ts`]).toBe(live);
    const project = read(`projects/${own}/project.json`);
    expect(project).toMatchObject({ id: own, name: "Alice's atlas" });
    expect(project.members.map((member: { userId: string }) => member.userId).sort()).toEqual(
      [alice.id, bob.id].sort(),
    );
    const versions = await query<{ id: string; name: string | null; content: string }>(
      sql`SELECT id, name, content FROM doc_versions WHERE file_id = ${fileId}`,
    );
    expect(versions.some((version) => version.name === "first draft")).toBe(true);
    expect(project.files[0].versions.map((version: { id: string }) => version.id).sort()).toEqual(
      versions.map((version) => version.id).sort(),
    );
    for (const version of versions)
      expect(files[`projects/${own}/versions/${version.id}.txt`]).toBe(version.content);
    expect(Object.keys(files).some((name) => name.startsWith(`projects/${theirs}`))).toBe(false);
    expect(Object.values(files).some((text) => text.includes("Bob's text"))).toBe(false);

    // Her messages (both), not Bob's; her notifications; audit entries she made or about her.
    const messages = read("messages.json")
      .map((message: { body: string }) => message.body)
      .sort();
    expect(messages).toEqual(["A direct word for Bob", "Atlas channel message from Alice"]);
    expect(read("notifications.json").map((row: { kind: string }) => row.kind)).toContain("mention");
    const audit = read("audit.json") as { action: string; actorId: string | null; targetId: string | null }[];
    const expectedAudit = await query<{ id: string }>(
      // All but the download just made, which came after the archive.
      sql`SELECT id FROM audit_log WHERE (actor_id = ${alice.id} OR (target_type = 'user' AND target_id = ${alice.id}))
            AND action <> 'privacy.export_downloaded'`,
    );
    expect(audit.map((entry) => (entry as unknown as { id: string }).id).sort()).toEqual(
      expectedAudit.map((row) => row.id).sort(),
    );
    expect(audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["api_key.created", "privacy.export_requested"]),
    );

    // No secret anywhere in it.
    const [secrets] = await query<{ password_hash: string }>(
      sql`SELECT password_hash FROM users WHERE id = ${alice.id}`,
    );
    const [keyRow] = await query<{ key_hash: string }>(
      sql`SELECT key_hash FROM api_keys WHERE id = ${key.id}`,
    );
    const everything = Object.values(files).join("\n");
    const token = new URL(link, server.baseUrl).searchParams.get("token")!;
    for (const secret of [
      secrets!.password_hash,
      keyRow!.key_hash,
      key.key,
      alice.password,
      alice.accessToken,
      alice.refreshToken,
      subscription.keys.p256dh,
      subscription.keys.auth,
      token,
    ]) {
      expect(everything.includes(secret), "a secret in the archive").toBe(false);
    }
    // The token is not logged either (request lines have it redacted).
    expect(server.logs.some((line) => line.includes(token))).toBe(false);
    editor.destroy();

    // The link is the credential: another person's export id, or a made-up token, gets nothing.
    expect((await download(link.replace(exportId, "exp_unknown"))).response.status).toBe(410);
    expect((await download(link.replace(/token=[^&]+/, "token=cpx_guess"))).response.status).toBe(410);
    const problem = await (await fetch(`${server.baseUrl}${link.replace(/token=[^&]+/, "token=x")}`)).json();
    expect(problem.code).toBe("export_link_invalid");

    // An hour later the link is dead; a fresh one from the privacy page works until the archive goes.
    server.clock.advance(HOUR + 60_000);
    expect((await download(link)).response.status).toBe(410);
    const token2 = await signIn(alice);
    const fresh = await server.api.post(`/api/v1/me/exports/${exportId}/link`, undefined, token2);
    expect(fresh.status).toBe(201);
    expect(Date.parse(fresh.body.expiresAt) - server.clock.now().getTime()).toBeLessThanOrEqual(HOUR);
    expect((await download(fresh.body.url)).response.status).toBe(200);

    // Two days on, maintenance deletes the archive: no link works, none can be made.
    server.clock.advance(48 * HOUR);
    expect(await purgeExports(server.app.ctx.db, server.clock)).toBeGreaterThanOrEqual(1);
    expect((await download(fresh.body.url)).response.status).toBe(410);
    const token3 = await signIn(alice);
    expect((await server.api.get("/api/v1/me/exports", token3)).body.items).toEqual([]);
    const none = await server.api.post(`/api/v1/me/exports/${exportId}/link`, undefined, token3);
    expect([none.status, none.body.code]).toEqual([404, "not_found"]);
    const [tokens] = await query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM account_tokens WHERE user_id = ${alice.id} AND purpose = 'export_download'`,
    );
    expect(tokens!.n).toBe(0);
  });
});
