/**
 * Outbound email (a port: infra/mail/mailer.ts sends over SMTP or writes `.eml` files). Contract:
 * infra/mail/mailer.contract.test.ts.
 */

export interface MailMessage {
  /** An address, optionally with a display name: `Ada Lovelace <ada@example.com>`. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. `X-CodePark-Account` on account emails (for mail filters). */
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Resolves once the message is accepted (by the SMTP server, or written); throws otherwise, so a durable job retries it. */
  send(message: MailMessage): Promise<void>;
  /** Releases connections; calling it again is harmless. */
  close(): Promise<void>;
}
