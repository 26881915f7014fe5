import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { ArrivalLog } from "./wait.ts";

/**
 * A real SMTP server in-process for tests (smtp-server), plain text on 127.0.0.1 with AUTH
 * PLAIN/LOGIN allowed without TLS. Every accepted message is parsed (mailparser) and kept.
 */

export interface ReceivedMail {
  /** SMTP envelope: MAIL FROM and RCPT TO addresses. */
  envelope: { from: string | null; to: string[] };
  /** The user the client authenticated as, if it did. */
  user: string | null;
  parsed: ParsedMail;
  raw: Buffer;
}

export interface SmtpReceiverOptions {
  /** Require AUTH with these credentials (otherwise authentication is optional and any login passes). */
  auth?: { user: string; pass: string };
  /** Refuse every recipient with this reply, e.g. `{ code: 550, message: "No such user" }` or a 451. */
  refuse?: { code: number; message: string };
}

export interface SmtpReceiver {
  readonly port: number;
  /** smtp://[user:pass@]127.0.0.1:<port>, ready for createMailer({ smtpUrl }). */
  readonly url: string;
  readonly messages: ReceivedMail[];
  /** Resolves with `messages` once it holds at least `count`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const log = new ArrivalLog<ReceivedMail>("SMTP receiver");
  const messages = log.items;
  const server = new SMTPServer({
    logger: false,
    // No certificate to offer: a client must not try to upgrade.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && (auth.username !== expected.user || auth.password !== expected.pass)) {
        return callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      const refuse = options.refuse;
      if (refuse) return callback(Object.assign(new Error(refuse.message), { responseCode: refuse.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            log.push({
              envelope: {
                from: from ? from.address : null,
                to: session.envelope.rcptTo.map((recipient) => recipient.address),
              },
              user: typeof session.user === "string" ? session.user : null,
              parsed,
              raw,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  // A client's dropped connection must not fail the test process.
  server.on("error", () => {});
  const port = (server.server.address() as AddressInfo).port;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : "";

  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    waitFor: (count, timeoutMs) => log.waitFor(count, timeoutMs),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Every email a server without SMTP_URL wrote under `DATA_DIR/mail/` (`.eml` files), parsed, oldest
 * first. Empty when nothing was written yet.
 */
export async function readMailDir(dataDir: string): Promise<ParsedMail[]> {
  const directory = join(dataDir, "mail");
  const names = await readdir(directory).catch(() => [] as string[]);
  const files = names.filter((name) => name.endsWith(".eml")).sort();
  return Promise.all(files.map(async (name) => simpleParser(await readFile(join(directory, name)))));
}
