import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSmtpReceiver } from "@codepark/testing/smtp";
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import type { Mailer, MailMessage } from "../../domain/ports/mailer.ts";
import { createMailer } from "./mailer.ts";

/** A mailer sending as `from`, and what has arrived where it delivers. */
interface MailerUnderTest {
  mailer: Mailer;
  /** Everything delivered so far, parsed: read at once, no waiting. */
  received(): Promise<ParsedMail[]>;
  /** Tears the fixture down (the mailer, again, and where it delivers). */
  close(): Promise<void>;
}

const FROM = "CodePark Bénévole <noreply@codepark.test>";

const message: MailMessage = {
  to: "Ada Lövelace <ada@example.test>",
  subject: "Grace mentioned you in “parser.ts” — ünïcödé 日本語 🚀",
  text: "Grace: can you look at line 42?\n\nÇa marche — naïve café, 日本語, emoji 🎉\n\nhttps://codepark.example/p/1",
  html: '<p><b>Grace</b>: can you look at line 42? Ça marche — 日本語 🎉</p><p><a href="https://codepark.example/p/1">Open</a></p>',
};

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) => object.value);

/** What every mailer (SMTP, .eml files) must guarantee. */
function mailerContract(make: (from: string) => Promise<MailerUnderTest>) {
  let current: MailerUnderTest | undefined;
  const open = async () => {
    current = await make(FROM);
    return current;
  };
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it("send resolves only once the message is accepted: it is readable right after", async () => {
    const { mailer, received } = await open();
    expect(await received()).toEqual([]);
    await mailer.send(message);
    expect(await received()).toHaveLength(1);
  });

  it("delivers From, To and Subject as given, non-ASCII subject and body intact", async () => {
    const { mailer, received } = await open();
    await mailer.send(message);

    const [mail] = await received();
    expect(addresses(mail!.from)).toEqual([{ address: "noreply@codepark.test", name: "CodePark Bénévole" }]);
    expect(addresses(mail!.to)).toEqual([{ address: "ada@example.test", name: "Ada Lövelace" }]);
    expect(mail!.subject).toBe(message.subject);
    expect(mail!.text?.trim()).toBe(message.text);
    expect(mail!.html).toBe(message.html);
  });

  it("sends both a text and an html part, as alternatives", async () => {
    const { mailer, received } = await open();
    await mailer.send({ ...message, text: "plain only", html: "<p>rich <i>only</i></p>" });

    const [mail] = await received();
    expect(mail!.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    expect(mail!.text?.trim()).toBe("plain only");
    expect(mail!.html).toBe("<p>rich <i>only</i></p>");
    expect(mail!.attachments).toEqual([]);
  });

  it("passes extra headers through as given", async () => {
    const { mailer, received } = await open();
    await mailer.send({ ...message, headers: { "X-CodePark-Account": "password-reset" } });

    const [mail] = await received();
    expect(mail!.headers.get("x-codepark-account")).toBe("password-reset");
  });

  it("a long body with long lines arrives intact", async () => {
    const { mailer, received } = await open();
    const line = `${"x".repeat(2_000)} ${"é".repeat(500)}`;
    const text = Array.from({ length: 50 }, (_, n) => `${n}: ${line}`).join("\n");
    await mailer.send({ ...message, text, html: `<pre>${text}</pre>` });

    const [mail] = await received();
    expect(mail!.text?.trim()).toBe(text);
    expect(mail!.html).toBe(`<pre>${text}</pre>`);
  });

  it("several sends, together and one after another, all arrive, each once", async () => {
    const { mailer, received } = await open();
    await Promise.all([1, 2, 3, 4, 5].map((n) => mailer.send({ ...message, subject: `Message ${n}` })));
    await mailer.send({ ...message, subject: "Message 6" });
    await mailer.send({ ...message, to: "grace@example.test", subject: "Message 7" });

    const mails = await received();
    expect(mails.map((mail) => mail.subject).sort()).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => `Message ${n}`),
    );
    expect(addresses(mails.find((mail) => mail.subject === "Message 7")!.to)).toEqual([
      { address: "grace@example.test", name: "" },
    ]);
    expect(new Set(mails.map((mail) => mail.messageId)).size).toBe(7);
  });

  it("close resolves, and closing again is harmless", async () => {
    const { mailer, received } = await open();
    await mailer.send(message);
    await mailer.close();
    await mailer.close();
    expect(await received()).toHaveLength(1);
  });
}

describe("mailer contract: SMTP to a real SMTP server", () => {
  mailerContract(async (from) => {
    const receiver = await startSmtpReceiver({ auth: { user: "mailer", pass: "s3cret/pass" } });
    const mailer = createMailer({ smtpUrl: receiver.url, from, dataDir: "/nonexistent" });
    return {
      mailer,
      received: async () => receiver.messages.map((mail) => mail.parsed),
      // The mailer first: a pooled connection left open would hold the receiver's close.
      close: async () => {
        await mailer.close();
        await receiver.close();
      },
    };
  });
});

describe("mailer contract: .eml files under DATA_DIR/mail", () => {
  mailerContract(async (from) => {
    const dataDir = await mkdtemp(join(tmpdir(), "codepark-mail-"));
    const mailer = createMailer({ from, dataDir });
    const directory = join(dataDir, "mail");
    return {
      mailer,
      received: async () => {
        const names = await readdir(directory).catch(() => []);
        // Written aside then renamed: a half-written message must never be visible as an .eml.
        expect(names.filter((name) => !name.endsWith(".eml"))).toEqual([]);
        return Promise.all(
          names.sort().map(async (name) => simpleParser(await readFile(join(directory, name)))),
        );
      },
      close: async () => {
        await mailer.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
});
