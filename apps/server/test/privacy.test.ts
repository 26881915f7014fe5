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

    // A second export lists the first one's notification, without its link (a live credential).
    const second = await exportBy(
      () => server.api.post("/api/v1/me/export", undefined, alice.accessToken),
      alice.email,
    );
    expect(second.exportId).not.toBe(exportId);
    const again = unzipSync((await download(second.link)).bytes);
    const notices = JSON.parse(strFromU8(again["notifications.json"]!)) as {
      kind: string;
      data: Record<string, unknown>;
    }[];
    const ready = notices.find((notice) => notice.kind === "export_ready")!;
    expect(ready.data).toMatchObject({ exportId });
    expect(ready.data.downloadUrl).toBeUndefined();
    expect(Object.values(again).some((data) => strFromU8(data).includes(token))).toBe(false);

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

  /** Tables (every schema but the catalogues) whose rows mention `needle` anywhere, bytea included. */
  async function tablesMentioning(needle: string): Promise<string[]> {
    const tables = await query<{ schema: string; name: string }>(
      sql`SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        "users",
        "audit_log",
        "domain_events",
        "data_exports",
        "webhook_deliveries",
        "jobs",
      ]),
    );
    const text = needle.toLowerCase();
    const hex = Buffer.from(needle, "utf8").toString("hex");
    const found: string[] = [];
    for (const table of tables) {
      const [row] = await query<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(table.schema)}.${sql.identifier(table.name)} AS t
            WHERE strpos(lower(t::text), ${text}) > 0 OR strpos(lower(t::text), ${hex}) > 0`,
      );
      if (row!.n > 0) found.push(table.name);
    }
    return found.sort();
  }

  async function enableTwoFactor(user: TestUser) {
    const setup = await server.api.post("/api/v1/auth/2fa/setup", undefined, user.accessToken);
    const secret = setup.body.secret as string;
    const enabled = await server.api.post(
      "/api/v1/auth/2fa/enable",
      { code: authenticatorCode(secret, server.clock.now()) },
      user.accessToken,
    );
    expect(enabled.status).toBe(200);
    return { secret, recoveryCodes: enabled.body.recoveryCodes as string[] };
  }

  const deleteMe = (token: string, body: unknown) =>
    server.api.request("DELETE", "/api/v1/me", { token, body });

  it("deletes an account and leaves nothing personal behind: every table searched for id, email and name", async () => {
    // Earlier tests moved the clock on past the admin's access token.
    admin.accessToken = await signIn(admin);
    const carol = await person("Carol");
    const dave = await person("Dave");
    const erin = await person("Erin");
    const carolName = await nameOf(carol);

    // Her projects: one she shares (Dave editor), one only she is in.
    const shared = await newProject(carol, "Shared workshop");
    await addMember(carol, shared, dave, "editor");
    await addMember(carol, shared, erin, "viewer");
    const solo = await newProject(carol, "Solo sandbox");
    const fileId = await newFile(carol, shared, "notes.md", "first line\n");
    await server.api.patch(
      `/api/v1/projects/${shared}/files/${fileId}`,
      { content: "edited line\n" },
      carol.accessToken,
    );
    await post(carol, `/api/v1/projects/${shared}/files/${fileId}/versions`, { name: "carol's version" });
    // Membership in someone else's project.
    const daves = await newProject(dave, "Dave's den");
    await addMember(dave, daves, carol, "editor");

    // Chat in every shape: channel, direct, reactions, read markers, mentions both ways.
    const mine = await post(carol, `/api/v1/projects/${shared}/messages`, {
      body: "Carol's private thoughts",
    });
    const direct = await post(carol, "/api/v1/conversations", { userId: dave.id });
    await post(carol, `/api/v1/conversations/${direct.id}/messages`, {
      body: `Hi @${(await nameOf(dave)).split(" ")[0]}`,
    });
    const daveSays = await post(dave, `/api/v1/projects/${shared}/messages`, {
      body: `Thanks @${carolName.split(" ")[0]}!`,
    });
    expect(daveSays.mentions).toEqual([carol.id]);
    await post(carol, `/api/v1/messages/${daveSays.id}/reactions`, { emoji: "👍" });
    await post(carol, `/api/v1/conversations/${direct.id}/read`, { seq: 1 });

    // Account things: a second session, an API key, push, preferences with a digest (a pending
    // digest job carries her id), her own webhook, 2FA with recovery codes, a ready data export.
    await signIn(carol);
    await post(carol, "/api/v1/api-keys", { name: "carol key", scopes: ["projects:read"] });
    const subscription = makeSubscription("https://push.example.test/send/carol");
    await post(carol, "/api/v1/push-subscriptions", {
      endpoint: subscription.endpoint,
      keys: subscription.keys,
    });
    await server.api.put(
      "/api/v1/notification-preferences",
      { emailDigestMinutes: 60, kinds: { mention: { push: false } } },
      carol.accessToken,
    );
    await post(carol, "/api/v1/webhooks", { url: hooks.url, events: ["project.updated"] });
    await exportBy(() => server.api.post("/api/v1/me/export", undefined, carol.accessToken), carol.email);
    await post(dave, `/api/v1/projects/${shared}/messages`, { body: `@${carolName.split(" ")[0]} one more` });
    const { secret } = await enableTwoFactor(carol);
    await server.api.post("/api/v1/auth/login", { email: carol.email, password: "wrong password!" });

    // Live connections that must close: a realtime socket and a collaboration editor.
    const socket = (await connectClient(server.baseUrl, carol.accessToken)).socket;
    const editor = openEditor(server.baseUrl, fileId, carol.accessToken);
    await editor.synced();
    await settle();

    // The search finds her before, so finding nothing afterwards means something.
    const before = await tablesMentioning(carol.id);
    expect(before).toEqual(
      expect.arrayContaining([
        "account_tokens",
        "api_keys",
        "audit_log",
        "conversation_members",
        "conversation_reads",
        "conversations",
        "data_exports",
        "doc_versions",
        "domain_events",
        "file_editors",
        "jobs",
        "message_reactions",
        "messages",
        "notification_counters",
        "notification_preferences",
        "notification_settings",
        "notifications",
        "project_members",
        "push_subscriptions",
        "recovery_codes",
        "sessions",
        "users",
        "webhook_deliveries",
        "webhooks",
      ]),
    );
    expect(await tablesMentioning(carol.email)).toEqual(
      expect.arrayContaining(["audit_log", "domain_events", "users", "webhook_deliveries"]),
    );
    expect(await tablesMentioning(carolName)).toEqual(
      expect.arrayContaining(["domain_events", "notifications", "users"]),
    );

    // Refused without proof, and nothing changes.
    const wrongPassword = await deleteMe(carol.accessToken, { password: "not it", ownedProjects: "delete" });
    expect([wrongPassword.status, wrongPassword.body.code]).toEqual([401, "invalid_credentials"]);
    const noCode = await deleteMe(carol.accessToken, { password: carol.password, ownedProjects: "delete" });
    expect([noCode.status, noCode.body.code]).toEqual([401, "mfa_required"]);
    const wrongCode = await deleteMe(carol.accessToken, {
      password: carol.password,
      otp: "000000",
      ownedProjects: "delete",
    });
    expect([wrongCode.status, wrongCode.body.code]).toEqual([401, "mfa_invalid"]);
    // Transfer is the default: her solo project has nobody to take it.
    server.clock.advance(30_000);
    const noCandidate = await deleteMe(carol.accessToken, {
      password: carol.password,
      otp: authenticatorCode(secret, server.clock.now()),
    });
    expect([noCandidate.status, noCandidate.body.code]).toEqual([409, "no_transfer_candidate"]);
    expect(noCandidate.body.detail).toContain(solo);
    const badTarget = await deleteMe(carol.accessToken, {
      password: carol.password,
      otp: authenticatorCode(secret, server.clock.now()),
      ownedProjects: "delete",
      transferTo: { [shared]: admin.id },
    });
    expect([badTarget.status, badTarget.body.code]).toEqual([422, "transfer_target_invalid"]);
    expect((await server.api.get("/api/v1/me", carol.accessToken)).status).toBe(200);

    // Delete the solo project, hand the shared one to Erin (named), with a fresh code.
    server.clock.advance(30_000);
    const closed = new Promise<void>((resolve) => socket.once("disconnect", () => resolve()));
    const deleted = await deleteMe(carol.accessToken, {
      password: carol.password,
      otp: authenticatorCode(secret, server.clock.now()),
      ownedProjects: "delete",
      transferTo: { [shared]: erin.id },
    });
    expect(deleted.status).toBe(204);
    await closed;
    await waitFor(() => editor.closes.length > 0, 5_000, "the collaboration connection to close");
    editor.destroy();
    await settle();

    // Her credentials are dead. (A sign-in attempt with her address would now be audited like any
    // unknown email, so it comes after the search below.)
    expect((await server.api.get("/api/v1/me", carol.accessToken)).status).toBe(401);

    // Projects: the solo one is gone, the shared one is Erin's; Dave keeps his.
    expect((await server.api.get(`/api/v1/projects/${solo}`, admin.accessToken)).status).toBe(404);
    const daveToken = await signIn(dave);
    const erinToken = await signIn(erin);
    expect((await server.api.get(`/api/v1/projects/${shared}`, erinToken)).body.role).toBe("owner");
    expect((await server.api.get(`/api/v1/projects/${shared}`, daveToken)).body.role).toBe("editor");
    const members = (await server.api.get(`/api/v1/projects/${shared}/members`, daveToken)).body.items;
    expect(members.map((member: { userId: string }) => member.userId).sort()).toEqual(
      [dave.id, erin.id].sort(),
    );

    // Her messages stay in place as a deleted user's, without text; Dave's mention list loses her.
    const thread = (await server.api.get(`/api/v1/projects/${shared}/messages`, daveToken)).body.items as {
      id: string;
      authorId: string | null;
      body: string;
      deletedAt: string | null;
      mentions: string[];
    }[];
    const hers = thread.find((message) => message.id === mine.id)!;
    expect(hers).toMatchObject({ authorId: null, body: "", mentions: [] });
    expect(hers.deletedAt).not.toBeNull();
    expect(thread.find((message) => message.id === daveSays.id)).toMatchObject({
      authorId: dave.id,
      mentions: [],
    });
    const [row] = await query<{ body: string; author_id: string | null }>(
      sql`SELECT body, author_id FROM messages WHERE id = ${mine.id}`,
    );
    expect(row).toEqual({ body: "", author_id: null });
    // The direct conversation stays Dave's to read.
    expect((await server.api.get(`/api/v1/conversations/${direct.id}/messages`, daveToken)).status).toBe(200);

    // Nothing personal anywhere: not her id, her email, nor her name.
    expect(await tablesMentioning(carol.id)).toEqual([]);
    expect(await tablesMentioning(carol.email)).toEqual([]);
    expect(await tablesMentioning(carolName)).toEqual([]);

    const login = await server.api.post("/api/v1/auth/login", {
      email: carol.email,
      password: carol.password,
    });
    expect([login.status, login.body.code]).toEqual([401, "invalid_credentials"]);

    // The audit log keeps the record, under one stable pseudonym, with no IP address.
    const adminToken = await signIn(admin);
    const audit = (await server.api.get("/api/v1/audit?limit=100", adminToken)).body.items as {
      action: string;
      actorId: string | null;
      targetId: string | null;
      ip: string | null;
      details: Record<string, unknown>;
    }[];
    const deletion = audit.find((entry) => entry.action === "account.deleted")!;
    expect(deletion.targetId).toMatch(/^deleted-user-[0-9a-f]{20}$/);
    expect(deletion).toMatchObject({ actorId: deletion.targetId, ip: null });
    expect(deletion.details).toEqual({ by: "self", projectsTransferred: 1, projectsDeleted: 1 });
    const theirs = audit.filter((entry) => entry.actorId === deletion.targetId);
    expect(theirs.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["api_key.created", "mfa.enabled", "auth.login_succeeded", "member.added"]),
    );
    expect(theirs.every((entry) => entry.ip === null)).toBe(true);
    expect(
      audit.find((entry) => entry.action === "auth.login_failed" && entry.targetId === deletion.targetId),
    ).toMatchObject({
      details: { email: deletion.targetId },
    });
    // Webhooks heard of the deletion, with the pseudonym.
    await waitFor(
      () =>
        hooks.received.some(
          (delivery) =>
            delivery.body.includes('"member.removed"') && delivery.body.includes(deletion.targetId!),
        ),
      10_000,
      "member.removed delivered with the pseudonym",
    );
  });

  it("throttles guessing the password to delete an account, like sign-in", async () => {
    const ivan = await person("Ivan");
    for (let attempt = 1; attempt <= 4; attempt++) {
      const wrong = await deleteMe(ivan.accessToken, {
        password: `guess ${attempt}`,
        ownedProjects: "delete",
      });
      expect([wrong.status, wrong.body.code]).toEqual([401, "invalid_credentials"]);
    }
    // The fourth failure earns a wait: even the right password is refused until it is over.
    const waiting = await deleteMe(ivan.accessToken, { password: ivan.password, ownedProjects: "delete" });
    expect([waiting.status, waiting.body.code]).toEqual([429, "too_many_attempts"]);
    expect((await server.api.get("/api/v1/me", ivan.accessToken)).status).toBe(200);
  });

  it("transfers to the longest-standing editor by default, and refuses to delete the last admin", async () => {
    const frank = await person("Frank");
    const early = await person("Early");
    const editorA = await person("Editor");
    const editorB = await person("Later");
    const projectId = await newProject(frank, "Hand-me-down");
    await addMember(frank, projectId, early, "viewer");
    await addMember(frank, projectId, editorA, "editor");
    await addMember(frank, projectId, editorB, "editor");
    // Co-owned: nothing to transfer, the other owner stays.
    const coOwned = await newProject(frank, "Co-owned");
    await addMember(frank, coOwned, early, "owner");

    expect((await deleteMe(frank.accessToken, { password: frank.password })).status).toBe(204);
    const roles = await query<{ user_id: string; role: string; project_id: string }>(
      sql`SELECT project_id, user_id, role FROM project_members WHERE project_id IN (${projectId}, ${coOwned}) ORDER BY project_id, user_id`,
    );
    expect(
      roles
        .filter((row) => row.project_id === projectId)
        .map((row) => [row.user_id, row.role])
        .sort(),
    ).toEqual(
      [
        [early.id, "viewer"],
        [editorA.id, "owner"],
        [editorB.id, "editor"],
      ].sort(),
    );
    expect(roles.filter((row) => row.project_id === coOwned).map((row) => [row.user_id, row.role])).toEqual([
      [early.id, "owner"],
    ]);
    await settle();
    // The new owner is told.
    const inbox = (await server.api.get("/api/v1/notifications", await signIn(editorA))).body.items;
    expect(
      inbox.some(
        (item: { kind: string; data: { role?: string } }) =>
          item.kind === "role_changed" && item.data.role === "owner",
      ),
    ).toBe(true);

    const adminToken = await signIn(admin);
    const lastAdmin = await deleteMe(adminToken, { password: admin.password, ownedProjects: "delete" });
    expect([lastAdmin.status, lastAdmin.body.code]).toEqual([409, "last_admin"]);
    expect((await server.api.get("/api/v1/me", adminToken)).status).toBe(200);
  });

  it("lets admins export and delete someone else's account (audited), but not their own this way", async () => {
    const adminToken = await signIn(admin);
    admin.accessToken = adminToken;
    const gina = await person("Gina");
    const hank = await person("Hank");
    const ginaProject = await newProject(gina, "Gina's garden");
    await newFile(gina, ginaProject, "seeds.txt", "tomatoes\n");

    // Only admins, and an API key needs users:write.
    expect(
      (await server.api.post(`/api/v1/users/${gina.id}/export`, undefined, hank.accessToken)).status,
    ).toBe(403);
    const readKey = await post(admin, "/api/v1/api-keys", { name: "reader", scopes: ["users:read"] });
    const scoped = await server.api.post(`/api/v1/users/${gina.id}/export`, undefined, readKey.key);
    expect([scoped.status, scoped.body.code]).toEqual([403, "insufficient_scope"]);
    const writeKey = await post(admin, "/api/v1/api-keys", { name: "writer", scopes: ["users:write"] });

    // The export: Gina is told (an admin asked); the admin gets a link of their own.
    const { exportId } = await exportBy(
      () => server.api.post(`/api/v1/users/${gina.id}/export`, undefined, writeKey.key),
      gina.email,
    );
    expect(mailTo(gina.email, /data export is ready/).at(-1)!.parsed.text).toContain(
      "An administrator asked for it",
    );
    const listed = (await server.api.get(`/api/v1/users/${gina.id}/exports`, adminToken)).body.items;
    expect(listed[0]).toMatchObject({ id: exportId, status: "ready", requestedBy: "admin" });
    const link = await server.api.post(
      `/api/v1/users/${gina.id}/exports/${exportId}/link`,
      undefined,
      adminToken,
    );
    expect(link.status).toBe(201);
    const { response, bytes } = await download(link.body.url);
    expect(response.status).toBe(200);
    expect(strFromU8(unzipSync(bytes)[`projects/${ginaProject}/files/seeds.txt`]!)).toBe("tomatoes\n");

    // Deletion by the admin: no password, projects as chosen.
    expect(
      (await server.api.request("DELETE", `/api/v1/users/${admin.id}`, { token: adminToken, body: {} }))
        .status,
    ).toBe(403);
    expect(
      (await server.api.request("DELETE", `/api/v1/users/${gina.id}`, { token: hank.accessToken, body: {} }))
        .status,
    ).toBe(403);
    const refused = await server.api.request("DELETE", `/api/v1/users/${gina.id}`, {
      token: adminToken,
      body: {},
    });
    expect([refused.status, refused.body.code]).toEqual([409, "no_transfer_candidate"]);
    const gone = await server.api.request("DELETE", `/api/v1/users/${gina.id}`, {
      token: writeKey.key,
      body: { ownedProjects: "delete" },
    });
    expect(gone.status).toBe(204);
    expect((await server.api.get("/api/v1/me", gina.accessToken)).status).toBe(401);
    expect((await server.api.get(`/api/v1/projects/${ginaProject}`, adminToken)).status).toBe(404);
    const missing = await server.api.request("DELETE", `/api/v1/users/${gina.id}`, {
      token: adminToken,
      body: {},
    });
    expect([missing.status, missing.body.code]).toEqual([404, "user_not_found"]);
    await settle();
    expect(await tablesMentioning(gina.id)).toEqual([]);
    expect(await tablesMentioning(gina.email)).toEqual([]);

    const audit = (
      await server.api.get("/api/v1/audit?action=account.deleted,privacy.export_requested", adminToken)
    ).body.items as { action: string; actorId: string; targetId: string; details: Record<string, unknown> }[];
    const deletion = audit.find(
      (entry) => entry.action === "account.deleted" && entry.details.by === "admin",
    )!;
    expect(deletion).toMatchObject({ actorId: admin.id, details: { by: "admin", projectsDeleted: 1 } });
    const requested = audit.find(
      (entry) => entry.action === "privacy.export_requested" && entry.targetId === deletion.targetId,
    );
    expect(requested).toMatchObject({ actorId: admin.id, details: { by: "admin" } });
  });
});
