import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Transporter } from "nodemailer";
import type { Mailer } from "../../domain/ports/mailer.ts";

/**
 * The Mailer port (domain/ports/mailer.ts). With SMTP_URL mail is sent over SMTP; without, every
 * message is written as an RFC 822 `.eml` file under DATA_DIR/mail, so a developer can open what
 * would have gone out.
 */

export interface MailerOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465; unset: .eml files. */
  smtpUrl?: string | undefined;
  /** The From header, e.g. `CodePark <codepark@example.com>`. */
  from: string;
  /** Where `mail/` is created when there is no SMTP server. */
  dataDir: string;
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl
    ? smtpMailer(options.smtpUrl, options.from)
    : fileMailer(options.from, options.dataDir);
}

/**
 * nodemailer is loaded with the first message, not at start-up (~0.1 s that most starts never use);
 * `make` runs once and its transport is reused.
 */
function lazyTransport(make: (nodemailer: typeof import("nodemailer")) => Transporter) {
  let transport: Promise<Transporter> | null = null;
  return {
    get: () => {
      transport ??= import("nodemailer").then(make);
      return transport;
    },
    close: async () => {
      if (transport) (await transport).close();
    },
  };
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = lazyTransport(({ createTransport }) =>
    createTransport({
      url: smtpUrl,
      // A few connections reused across sends: a burst of notifications does not open one each.
      pool: true,
      maxConnections: 4,
      // Bounded waits: a dead or silent server fails the send (and the job retries) instead of hanging it.
      connectionTimeout: 20_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    }),
  );
  return {
    async send(message) {
      await (await transport.get()).sendMail({ from, ...message });
    },
    close: transport.close,
  };
}

function fileMailer(from: string, dataDir: string): Mailer {
  const directory = join(dataDir, "mail");
  const transport = lazyTransport(({ createTransport }) =>
    createTransport({ streamTransport: true, buffer: true, newline: "unix" }),
  );
  return {
    async send(message) {
      const info = await (await transport.get()).sendMail({ from, ...message });
      await mkdir(directory, { recursive: true });
      const path = join(directory, emlFileName(new Date()));
      // Written aside then renamed: whoever watches the folder never opens half a message.
      await writeFile(`${path}.tmp`, info.message as Buffer);
      await rename(`${path}.tmp`, path);
    },
    close: transport.close,
  };
}

/** `20261122T005305123Z-3f9a1c0b7e2d.eml`: sorts by time; the suffix keeps same-millisecond messages apart. */
function emlFileName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${randomBytes(6).toString("hex")}.eml`;
}
