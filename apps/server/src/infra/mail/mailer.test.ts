import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSmtpReceiver } from "@codepark/testing/smtp";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import type { Mailer } from "../../domain/ports/mailer.ts";
import { createMailer } from "./mailer.ts";

const message = {
  to: "Ada Lovelace <ada@example.test>",
  subject: "Grace mentioned you in “parser.ts” — ünïcödé",
  text: "Grace: can you look at line 42?\n\nhttps://codepark.example/p/1",
  html: '<p><b>Grace</b>: can you look at line 42?</p><p><a href="https://codepark.example/p/1">Open</a></p>',
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  // Mailers first: a pooled SMTP connection left open would hold the receiver's close.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(mailer: Mailer): Mailer {
  cleanups.push(() => mailer.close());
  return mailer;
}

describe("createMailer over SMTP", () => {
  // What every mailer guarantees (headers, parts, non-ASCII, several sends, close) is in
  // mailer.contract.test.ts; here, what is particular to SMTP.
  it("authenticates with the URL's credentials and sets the envelope and Message-ID from the addresses", async () => {
    const receiver = await startSmtpReceiver({ auth: { user: "mailer", pass: "s3cret/pass" } });
    cleanups.push(() => receiver.close());
    const mailer = track(
      createMailer({
        smtpUrl: receiver.url,
        from: "CodePark <noreply@codepark.test>",
        dataDir: "/nonexistent",
      }),
    );

    await mailer.send(message);
    const [received] = await receiver.waitFor(1);

    expect(received!.user).toBe("mailer");
    expect(received!.envelope).toEqual({ from: "noreply@codepark.test", to: ["ada@example.test"] });
    expect(received!.parsed.messageId).toMatch(/@codepark\.test>$/);
  });

  it("throws when the server refuses the recipient", async () => {
    const receiver = await startSmtpReceiver({ refuse: { code: 550, message: "No such mailbox" } });
    cleanups.push(() => receiver.close());
    const mailer = track(
      createMailer({ smtpUrl: receiver.url, from: "a@codepark.test", dataDir: "/nonexistent" }),
    );

    await expect(mailer.send(message)).rejects.toThrow(/550|No such mailbox/);
    expect(receiver.messages).toEqual([]);
  });

  it("throws on a temporary refusal (4xx), so the job retries", async () => {
    const receiver = await startSmtpReceiver({ refuse: { code: 451, message: "Try again later" } });
    cleanups.push(() => receiver.close());
    const mailer = track(
      createMailer({ smtpUrl: receiver.url, from: "a@codepark.test", dataDir: "/nonexistent" }),
    );

    await expect(mailer.send(message)).rejects.toThrow(/451|Try again later/);
  });

  it("throws on wrong credentials", async () => {
    const receiver = await startSmtpReceiver({ auth: { user: "mailer", pass: "right" } });
    cleanups.push(() => receiver.close());
    const url = receiver.url.replace("mailer:right@", "mailer:wrong@");
    const mailer = track(createMailer({ smtpUrl: url, from: "a@codepark.test", dataDir: "/nonexistent" }));

    await expect(mailer.send(message)).rejects.toThrow(/535|Invalid/);
  });

  it("throws when nothing listens on the SMTP port", async () => {
    const port = await unusedPort();
    const mailer = track(
      createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: "a@codepark.test", dataDir: "/nonexistent" }),
    );

    await expect(mailer.send(message)).rejects.toThrow(/ECONNREFUSED|connect/i);
  });
});

describe("createMailer without SMTP", () => {
  // The contents (headers, parts, non-ASCII) are checked in mailer.contract.test.ts.
  it("writes each message as an .eml file under dataDir/mail, named to sort by time", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "codepark-mail-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const mailer = track(createMailer({ from: "CodePark <codepark@localhost>", dataDir }));

    await mailer.send(message);
    await mailer.send({ ...message, subject: "Second" });

    const names = await readdir(join(dataDir, "mail"));
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{12}\.eml$/);
    const parsed = await Promise.all(
      names.sort().map(async (name) => simpleParser(await readFile(join(dataDir, "mail", name)))),
    );
    expect(parsed.map((mail) => mail.subject)).toEqual([message.subject, "Second"]);
    // A plain RFC 822 message a mail client opens: headers, blank line, MIME body.
    const raw = await readFile(join(dataDir, "mail", names[0]!), "utf8");
    expect(raw).toMatch(/^Content-Type: multipart\/alternative/m);
    expect(raw).toMatch(/^MIME-Version: 1\.0$/m);
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
