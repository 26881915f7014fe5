import { createConnection, createServer, type Server, type Socket } from "node:net";
import {
  type FakePushService,
  registerUser,
  startFakePushService,
  startTestServer,
  type TestServer,
  type TestUser,
  testStores,
  waitFor,
} from "@codepark/testing";
import { openEditor } from "@codepark/testing/collab";
import { type Client, type ClientSocket, connectClient } from "@codepark/testing/realtime";
import { type SmtpReceiver, startSmtpReceiver } from "@codepark/testing/smtp";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { notify } from "../src/domain/notifications/notify.ts";
import { rowsOf } from "../src/infra/db/rows.ts";

/**
 * A TCP relay in front of the SMTP receivers, so a test can switch the server's one SMTP_URL
 * between a receiver that accepts and one that refuses (open connections are cut on a switch, as
 * a restarted mail server would).
 */
class SmtpRelay {
  readonly #sockets = new Set<Socket>();
  #target = 0;
  private constructor(readonly server: Server) {}

  static async start(targetPort: number): Promise<SmtpRelay> {
    const relay: SmtpRelay = new SmtpRelay(
      createServer((client) => {
        const upstream = createConnection(relay.#target, "127.0.0.1");
        for (const socket of [client, upstream]) {
          relay.#sockets.add(socket);
          socket.on("error", () => {});
          socket.on("close", () => {
            relay.#sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      }),
    );
    relay.#target = targetPort;
    await new Promise<void>((resolve) => relay.server.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  get url(): string {
    const address = this.server.address();
    return `smtp://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  switchTo(port: number): void {
    this.#target = port;
    for (const socket of this.#sockets) socket.destroy();
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(testStores())("notifications on %s", (store) => {
  let server: TestServer;
  let smtp: SmtpReceiver;
  let refusing: SmtpReceiver;
  let relay: SmtpRelay;
  let pushService: FakePushService;
  const sockets = new Set<ClientSocket>();

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    refusing = await startSmtpReceiver({ refuse: { code: 451, message: "Try again later" } });
    relay = await SmtpRelay.start(smtp.port);
    pushService = await startFakePushService();
    server = await startTestServer(store, {
      SMTP_URL: relay.url,
      MAIL_FROM: "CodePark <codepark@example.test>",
      PUBLIC_URL: "https://codepark.example.test",
      // Push endpoints (the fake push service) live on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE: "true",
      JOBS_POLL_INTERVAL_MS: "50",
      // A failed email waits a minute or two of (test) clock before its retry.
      JOBS_BACKOFF_BASE_MS: "60000",
      JOBS_BACKOFF_MAX_MS: "120000",
      COLLAB_UNLOAD_GRACE_MS: "50",
    });
  });
  afterEach(() => {
    for (const socket of sockets) socket.disconnect();
    sockets.clear();
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([smtp?.close(), refusing?.close(), relay?.close(), pushService?.close()]);
  });

  const db = () => server.app.ctx.db;
  const query = async <T = any>(statement: ReturnType<typeof sql>) =>
    rowsOf<T>(await db().execute(statement));

  async function connect(user: TestUser): Promise<Client> {
    const client = await connectClient(server.baseUrl, user.accessToken);
    sockets.add(client.socket);
    return client;
  }

  async function newProject(owner: TestUser, name = "Apollo"): Promise<{ id: string }> {
    const response = await server.api.post("/api/v1/projects", { name }, owner.accessToken);
    expect(response.status).toBe(201);
    return response.body;
  }

  async function addMember(owner: TestUser, projectId: string, member: TestUser, role = "editor") {
    const response = await server.api.post(
      `/api/v1/projects/${projectId}/members`,
      { email: member.email, role },
      owner.accessToken,
    );
    expect(response.status).toBe(201);
  }

  const inbox = async (user: TestUser, params = "") =>
    (await server.api.get(`/api/v1/notifications${params}`, user.accessToken)).body;
  const unread = async (user: TestUser) =>
    (await server.api.get("/api/v1/notifications/unread-count", user.accessToken)).body.unread as number;
  const unreadInDatabase = async (user: TestUser) =>
    Number(
      (
        await query<{ count: string | number }>(
          sql`SELECT count(*) AS count FROM notifications WHERE user_id = ${user.id} AND read_at IS NULL`,
        )
      )[0]!.count,
    );
  async function waitForInbox(user: TestUser, count: number, params = "") {
    await waitFor(async () => (await inbox(user, params)).items.length >= count, 10_000, "notifications");
    return (await inbox(user, params)).items as any[];
  }
  const jobsFor = (notificationId: string) =>
    query<{ name: string; state: string }>(
      sql`SELECT name, state FROM jobs WHERE payload->>'notificationId' = ${notificationId}`,
    );
  // Notification email only: account emails (the verification link every new account gets) carry
  // X-CodePark-Account and are tested in account-lifecycle.test.ts.
  const mailTo = (user: TestUser) =>
    smtp.messages.filter(
      (message) =>
        message.envelope.to.includes(user.email) && !message.parsed.headers.has("x-codepark-account"),
    );
  const setPreferences = async (user: TestUser, body: object) => {
    const response = await server.api.put("/api/v1/notification-preferences", body, user.accessToken);
    expect(response.status).toBe(200);
    return response.body;
  };

  it("tells someone added to a project, in the inbox and live over Socket.IO", async () => {
    const owner = await registerUser(server.api, "Olivia Owner");
    const member = await registerUser(server.api, "Max Member");
    const live = await connect(member);
    const project = await newProject(owner, "Apollo");
    await addMember(owner, project.id, member, "viewer");

    const pushed = await live.next("notification");
    expect(pushed).toMatchObject({
      kind: "member_added",
      actorId: owner.id,
      title: "Olivia Owner added you to Apollo",
      body: "You are now a viewer in Apollo.",
      url: `https://codepark.example.test/projects/${project.id}`,
      readAt: null,
      archivedAt: null,
      data: { projectId: project.id, projectName: "Apollo", role: "viewer" },
    });
    expect(await live.next("notifications:unread-count")).toEqual({ unread: 1 });
    const [listed] = await waitForInbox(member, 1);
    expect(listed).toEqual(pushed);
    expect(await unread(member)).toBe(1);
    // The owner, who did it, is not told.
    expect((await inbox(owner)).items).toEqual([]);

    const changed = await server.api.patch(
      `/api/v1/projects/${project.id}/members/${member.id}`,
      { role: "editor" },
      owner.accessToken,
    );
    expect(changed.status).toBe(200);
    expect(await live.next("notification")).toMatchObject({
      kind: "role_changed",
      title: "Your role in Apollo is now editor",
      body: "Olivia Owner changed your role from viewer to editor.",
    });
    expect(await live.next("notifications:unread-count")).toEqual({ unread: 2 });
    const items = await waitForInbox(member, 2);
    expect(items.map((item) => item.kind)).toEqual(["role_changed", "member_added"]);

    // Pages newest first, and the unread filter.
    const first = await inbox(member, "?limit=1");
    expect(first.items.map((item: any) => item.kind)).toEqual(["role_changed"]);
    const second = await inbox(member, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((item: any) => item.kind)).toEqual(["member_added"]);
    expect(second.nextCursor).toBeNull();
    const read = await server.api.post(
      "/api/v1/notifications/read",
      { ids: [items[1].id] },
      member.accessToken,
    );
    expect(read.body).toEqual({ unread: 1 });
    expect(await live.next("notifications:unread-count")).toEqual({ unread: 1 });
    expect((await inbox(member, "?unread=true")).items.map((item: any) => item.id)).toEqual([items[0].id]);
    // Someone else's ids change nothing.
    expect(
      (await server.api.post("/api/v1/notifications/read", { ids: [items[0].id] }, owner.accessToken)).body,
    ).toEqual({ unread: 0 });
    expect(await unread(member)).toBe(1);
  });

  it("keeps the unread count exact under 50 concurrent creates, reads and read-alls", async () => {
    const user = await registerUser(server.api, "Busy Bee");
    const live = await connect(user);
    const { ctx } = server.app;
    const create = async (i: number) => {
      const committed: (() => void)[] = [];
      const row = await ctx.db.transaction((tx) =>
        notify(
          tx,
          { clock: ctx.clock, hub: ctx.notifications, afterCommit: (work) => void committed.push(work) },
          {
            userId: user.id,
            kind: "webhook_disabled",
            actorId: null,
            data: { url: `https://hooks.example.test/${i}`, reason: "gone" },
            sourceEventId: `evt_load_${store}_${i}`,
          },
        ),
      );
      for (const work of committed) work();
      return row!.id;
    };
    const readSome = async (ids: string[]) =>
      (await server.api.post("/api/v1/notifications/read", { ids }, user.accessToken)).body.unread;
    const readAll = async () =>
      (await server.api.post("/api/v1/notifications/read-all", {}, user.accessToken)).body.unread;

    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => create(i)));
    const work: Promise<unknown>[] = [];
    for (let i = 10; i < 50; i++) {
      work.push(create(i));
      if (i % 10 === 0) work.push(readAll());
      if (i % 7 === 0) work.push(readSome(first.slice(i % 10, (i % 10) + 3)));
      if (i % 13 === 0) work.push(unread(user));
    }
    await Promise.all(work);

    const exact = await unreadInDatabase(user);
    expect(await unread(user)).toBe(exact);
    const [counter] = await query<{ unread: number }>(
      sql`SELECT unread FROM notification_counters WHERE user_id = ${user.id}`,
    );
    expect(counter!.unread).toBe(exact);
    // The newest count is also the last one sent live.
    await waitFor(
      () => live.seen("notifications:unread-count").at(-1)?.unread === exact,
      5_000,
      "live count",
    );
    expect(live.seen("notification")).toHaveLength(50);

    // A retried event notifies nobody twice.
    const again = await ctx.db.transaction((tx) =>
      notify(
        tx,
        { clock: ctx.clock, hub: ctx.notifications, afterCommit: () => {} },
        {
          userId: user.id,
          kind: "webhook_disabled",
          actorId: null,
          data: {},
          sourceEventId: `evt_load_${store}_3`,
        },
      ),
    );
    expect(again).toBeNull();

    // Read-all ends at zero, and a cold cache is filled from the counter.
    expect(await readAll()).toBe(0);
    ctx.notifications.unread.clear();
    expect(await unread(user)).toBe(0);
    expect(await unreadInDatabase(user)).toBe(0);
  });

  it("archives: out of the default list, in ?archived=true, and read", async () => {
    const owner = await registerUser(server.api, "Arch Owner");
    const member = await registerUser(server.api, "Arch Member");
    await addMember(owner, (await newProject(owner, "One")).id, member);
    await addMember(owner, (await newProject(owner, "Two")).id, member);
    const items = await waitForInbox(member, 2);
    expect(await unread(member)).toBe(2);
    const archived = await server.api.post(
      "/api/v1/notifications/archive",
      { ids: [items[0].id] },
      member.accessToken,
    );
    expect(archived.body).toEqual({ unread: 1 });
    expect((await inbox(member)).items.map((item: any) => item.id)).toEqual([items[1].id]);
    const shelf = (await inbox(member, "?archived=true")).items;
    expect(shelf.map((item: any) => item.id)).toEqual([items[0].id]);
    expect(shelf[0].readAt).not.toBeNull();
    expect(shelf[0].archivedAt).not.toBeNull();
    // Archiving again changes nothing; unknown ids are ignored.
    expect(
      (
        await server.api.post(
          "/api/v1/notifications/archive",
          { ids: [items[0].id, "ntf_unknown"] },
          member.accessToken,
        )
      ).body,
    ).toEqual({ unread: 1 });
    expect(await unread(member)).toBe(await unreadInDatabase(member));
    expect(
      (await server.api.post("/api/v1/notifications/archive", { ids: [] }, member.accessToken)).status,
    ).toBe(400);
  });

  it("has preferences with defaults; a channel switched off gets no job, the inbox still gets it", async () => {
    const owner = await registerUser(server.api, "Pref Owner");
    const member = await registerUser(server.api, "Pref Member");
    const defaults = (await server.api.get("/api/v1/notification-preferences", member.accessToken)).body;
    expect(defaults).toEqual({
      emailDigestMinutes: 0,
      kinds: {
        mention: { email: true, push: true },
        member_added: { email: true, push: false },
        role_changed: { email: false, push: false },
        version_restored: { email: false, push: false },
        webhook_disabled: { email: true, push: false },
        account_locked: { email: true, push: false },
        export_ready: { email: true, push: false },
      },
    });
    const subscription = pushService.subscribe();
    expect(
      (
        await server.api.post(
          "/api/v1/push-subscriptions",
          { endpoint: subscription.endpoint, keys: subscription.keys },
          member.accessToken,
        )
      ).status,
    ).toBe(201);

    const off = await setPreferences(member, { kinds: { member_added: { email: false } } });
    expect(off.kinds.member_added).toEqual({ email: false, push: false });
    expect(off.kinds.mention).toEqual({ email: true, push: true });
    await addMember(owner, (await newProject(owner, "Quiet")).id, member);
    const [quiet] = await waitForInbox(member, 1);
    expect(await jobsFor(quiet.id)).toEqual([]);

    await setPreferences(member, { kinds: { member_added: { email: true, push: true } } });
    await addMember(owner, (await newProject(owner, "Loud")).id, member);
    const [loud] = await waitForInbox(member, 2);
    expect((await jobsFor(loud.id)).map((job) => job.name).sort()).toEqual([
      "notifications.email",
      "notifications.push",
    ]);
    await waitFor(() => mailTo(member).length === 1, 10_000, "email");
    expect(mailTo(member)[0]!.parsed.subject).toBe("Pref Owner added you to Loud");
    expect(
      (await server.api.put("/api/v1/notification-preferences", { kinds: { nope: {} } }, member.accessToken))
        .status,
    ).toBe(400);
    expect(
      (
        await server.api.put(
          "/api/v1/notification-preferences",
          { emailDigestMinutes: -1 },
          member.accessToken,
        )
      ).status,
    ).toBe(400);
  });

  it("emails through a real SMTP server, HTML-escaped", async () => {
    const owner = await registerUser(server.api, "Eve <Owner> & Co");
    const member = await registerUser(server.api, "Mail Member");
    const project = await newProject(owner, `Ship "it" <now>`);
    await addMember(owner, project.id, member);
    await waitFor(() => mailTo(member).length === 1, 10_000, "email");
    const [mail] = mailTo(member);
    expect(mail!.envelope.from).toBe("codepark@example.test");
    expect(mail!.parsed.subject).toBe(`Eve <Owner> & Co added you to Ship "it" <now>`);
    expect(mail!.parsed.text).toContain(`You are now an editor in Ship "it" <now>.`);
    expect(mail!.parsed.text).toContain(`https://codepark.example.test/projects/${project.id}`);
    const html = mail!.parsed.html as string;
    expect(html).toContain("Eve &lt;Owner&gt; &amp; Co added you to Ship &quot;it&quot; &lt;now&gt;");
    expect(html).not.toContain("<Owner>");
    expect(html).not.toContain("<now>");
    const [notification] = await waitForInbox(member, 1);
    const [row] = await query<{ emailed_at: Date | null }>(
      sql`SELECT emailed_at FROM notifications WHERE id = ${notification.id}`,
    );
    expect(row!.emailed_at).not.toBeNull();
  });

  it("batches email over the digest window: three notifications, one email", async () => {
    const owner = await registerUser(server.api, "Digest Owner");
    const member = await registerUser(server.api, "Digest Member");
    const settings = await setPreferences(member, { emailDigestMinutes: 5 });
    expect(settings.emailDigestMinutes).toBe(5);
    for (const name of ["Alpha", "Beta", "Gamma"]) {
      await addMember(owner, (await newProject(owner, name)).id, member);
    }
    await waitForInbox(member, 3);
    const digests = await query<{ run_at: Date; state: string }>(
      sql`SELECT run_at, state FROM jobs WHERE name = 'notifications.email-digest' AND payload->>'userId' = ${member.id}`,
    );
    expect(digests).toHaveLength(1);
    expect(digests[0]!.state).toBe("pending");
    expect(new Date(digests[0]!.run_at).getTime()).toBeGreaterThan(server.clock.now().getTime() + 4 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailTo(member)).toEqual([]);

    server.clock.advance(5 * 60_000 + 1_000);
    await waitFor(() => mailTo(member).length === 1, 10_000, "digest email");
    const [digest] = mailTo(member);
    expect(digest!.parsed.subject).toBe("3 new notifications on CodePark");
    for (const name of ["Alpha", "Beta", "Gamma"]) {
      expect(digest!.parsed.text).toContain(`Digest Owner added you to ${name}`);
      expect(digest!.parsed.html as string).toContain(`Digest Owner added you to ${name}`);
    }
    // Nothing left owed, and no second email.
    await waitFor(
      async () =>
        (
          await query(
            sql`SELECT id FROM notifications WHERE user_id = ${member.id} AND emailed_at IS NULL AND email_pending`,
          )
        ).length === 0,
      5_000,
      "marked emailed",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailTo(member)).toHaveLength(1);
  });

  it("retries a refusing SMTP server with backoff, then delivers", async () => {
    const owner = await registerUser(server.api, "Retry Owner");
    const member = await registerUser(server.api, "Retry Member");
    relay.switchTo(refusing.port);
    try {
      await addMember(owner, (await newProject(owner, "Stubborn")).id, member);
      const [notification] = await waitForInbox(member, 1);
      const job = async () =>
        (
          await query<{ state: string; attempts: number; run_at: Date; last_error: string | null }>(
            sql`SELECT state, attempts, run_at, last_error FROM jobs
                WHERE name = 'notifications.email' AND payload->>'notificationId' = ${notification.id}`,
          )
        )[0];
      await waitFor(async () => (await job())?.last_error != null, 10_000, "a failed attempt");
      const failed = (await job())!;
      expect(failed.state).toBe("pending");
      expect(failed.attempts).toBe(1);
      expect(failed.last_error).toMatch(/451|Try again later|recipients/i);
      // Backoff: between half and all of the 60 s base, on the (test) clock.
      expect(new Date(failed.run_at).getTime()).toBeGreaterThan(server.clock.now().getTime() + 20_000);
      expect(mailTo(member)).toEqual([]);

      relay.switchTo(smtp.port);
      server.clock.advance(61_000);
      await waitFor(() => mailTo(member).length === 1, 10_000, "the retried email");
      expect(mailTo(member)[0]!.parsed.subject).toBe("Retry Owner added you to Stubborn");
      await waitFor(async () => (await job())?.state === "completed", 5_000, "job completed");
      expect((await job())!.attempts).toBe(2);
    } finally {
      relay.switchTo(smtp.port);
    }
  });

  it("sends web push that the push service can decrypt; a gone subscription is deleted", async () => {
    const owner = await registerUser(server.api, "Push Owner");
    const member = await registerUser(server.api, "Push Member");
    const subscription = pushService.subscribe();
    const saved = await server.api.post(
      "/api/v1/push-subscriptions",
      { endpoint: subscription.endpoint, keys: subscription.keys },
      member.accessToken,
    );
    expect(saved.status).toBe(201);
    await setPreferences(member, { kinds: { member_added: { push: true } } });
    const before = pushService.received.length;
    const project = await newProject(owner, "Pushy");
    await addMember(owner, project.id, member);
    await pushService.waitFor(before + 1, 10_000);
    const message = pushService.received.find((entry) => entry.endpoint === subscription.endpoint)!;
    const [notification] = await waitForInbox(member, 1);
    expect(message.payload).toEqual({
      title: "Push Owner added you to Pushy",
      body: "You are now an editor in Pushy.",
      url: `https://codepark.example.test/projects/${project.id}`,
      tag: notification.id,
      notificationId: notification.id,
      kind: "member_added",
    });
    expect(message.vapid?.signatureValid).toBe(true);

    pushService.respondWith(subscription.endpoint, 410);
    await addMember(owner, (await newProject(owner, "Gone")).id, member);
    await waitFor(
      async () =>
        (await server.api.get("/api/v1/push-subscriptions", member.accessToken)).body.items.length === 0,
      10_000,
      "the gone subscription deleted",
    );
  });

  it("tells people who edited a file (REST or live) when someone restores a version of it", async () => {
    const owner = await registerUser(server.api, "Rita Restorer");
    const writer = await registerUser(server.api, "Wendy Writer");
    const typist = await registerUser(server.api, "Tom Typist");
    const bystander = await registerUser(server.api, "Bea Bystander");
    const project = await newProject(owner, "Versions");
    for (const member of [writer, typist, bystander]) await addMember(owner, project.id, member);
    const file = (
      await server.api.post(
        `/api/v1/projects/${project.id}/files`,
        { path: "src/main.ts", content: "one" },
        owner.accessToken,
      )
    ).body;
    const fileUrl = `/api/v1/projects/${project.id}/files/${file.id}`;
    const version = (await server.api.post(`${fileUrl}/versions`, { name: "first" }, owner.accessToken)).body;
    expect((await server.api.patch(fileUrl, { content: "two" }, writer.accessToken)).status).toBe(200);

    const editor = openEditor(server.baseUrl, file.id, typist.accessToken);
    await editor.synced();
    editor.text.insert(editor.text.length, " and three");
    await waitFor(
      async () => (await server.api.get(fileUrl, owner.accessToken)).body.content === "two and three",
      10_000,
      "the live edit",
    );
    editor.destroy();
    // The document unloads after its grace period and records its editors.
    await waitFor(
      async () =>
        (
          await query(
            sql`SELECT user_id FROM file_editors WHERE file_id = ${file.id} AND user_id = ${typist.id}`,
          )
        ).length === 1,
      10_000,
      "live editor recorded",
    );

    const live = await connect(writer);
    const restored = await server.api.post(
      `${fileUrl}/versions/${version.id}/restore`,
      {},
      owner.accessToken,
    );
    expect(restored.status).toBe(200);
    expect(await live.next("notification", (n) => n.kind === "version_restored")).toMatchObject({
      kind: "version_restored",
      actorId: owner.id,
      title: "Rita Restorer restored a version of src/main.ts",
      data: { fileId: file.id, path: "src/main.ts", versionName: "first", projectName: "Versions" },
    });
    for (const person of [writer, typist]) {
      await waitFor(
        async () => (await inbox(person)).items.some((n: any) => n.kind === "version_restored"),
        10_000,
        "version_restored",
      );
    }
    const kindsOf = async (user: TestUser) => (await inbox(user)).items.map((n: any) => n.kind);
    expect(await kindsOf(bystander)).not.toContain("version_restored");
    expect(await kindsOf(owner)).not.toContain("version_restored");
  });

  it("tells a mentioned member in chat, live and in the inbox, but not the author", async () => {
    const author = await registerUser(server.api, "Alice");
    const bob = await registerUser(server.api, "Bob");
    const outsider = await registerUser(server.api, "Oscar");
    const project = await newProject(author, "Chatty");
    await addMember(author, project.id, bob);
    const live = await connect(bob);
    const posted = await server.api.post(
      `/api/v1/projects/${project.id}/messages`,
      { body: "hi @Bob, and @Alice and @Oscar" },
      author.accessToken,
    );
    expect(posted.status).toBe(201);
    const mention = await live.next("notification", (n) => n.kind === "mention");
    expect(mention).toMatchObject({
      kind: "mention",
      actorId: author.id,
      title: "Alice mentioned you in Chatty",
      body: "hi @Bob, and @Alice and @Oscar",
      data: { projectId: project.id, messageId: posted.body.id },
    });
    await waitFor(
      async () => (await inbox(bob)).items.some((n: any) => n.kind === "mention"),
      10_000,
      "mention in inbox",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await inbox(author)).items.filter((n: any) => n.kind === "mention")).toEqual([]);
    expect((await inbox(outsider)).items).toEqual([]);
  });

  it("answers 401 without a token and keeps inboxes apart", async () => {
    expect((await server.api.get("/api/v1/notifications")).status).toBe(401);
    expect((await server.api.get("/api/v1/notifications/unread-count")).status).toBe(401);
    const user = await registerUser(server.api, "Loner");
    expect(await inbox(user)).toEqual({ items: [], nextCursor: null });
    expect(await unread(user)).toBe(0);
    expect((await server.api.post("/api/v1/notifications/read-all", {}, user.accessToken)).body).toEqual({
      unread: 0,
    });
  });
});
