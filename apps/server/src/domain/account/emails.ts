import { escapeHtml } from "../notifications/templates.ts";
import type { MailMessage } from "../ports/mailer.ts";

/**
 * The emails about the account itself. Unlike notifications they cannot be switched off, and they go
 * to unverified addresses too (a verification link has to). Each carries an `X-CodePark-Account`
 * header naming its kind, for mail filters (and tests).
 */
export type AccountEmailKind =
  | "verify-email"
  | "confirm-new-email"
  | "password-reset"
  | "password-changed"
  | "signup-existing"
  | "email-change-requested"
  | "email-change-taken";

interface Paragraph {
  text: string;
  /** A link shown after the text. */
  link?: { label: string; url: string };
}

function compose(
  kind: AccountEmailKind,
  to: string,
  subject: string,
  greeting: string | null,
  paragraphs: Paragraph[],
): MailMessage {
  const intro = greeting ? [`Hi ${greeting},`] : [];
  const text = [
    ...intro,
    ...paragraphs.map(({ text, link }) => (link ? `${text}\n${link.url}` : text)),
    "-- \nCodePark",
  ].join("\n\n");
  const html =
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' +
    intro.map((line) => `<p>${escapeHtml(line)}</p>`).join("") +
    paragraphs
      .map(
        ({ text, link }) =>
          `<p>${escapeHtml(text)}${link ? `<br><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>` : ""}</p>`,
      )
      .join("") +
    '<p style="color:#666;font-size:12px">CodePark</p></body></html>';
  return { to, subject, text: `${text}\n`, html, headers: { "X-CodePark-Account": kind } };
}

export function verifyEmailMessage(to: string, name: string, link: string): MailMessage {
  return compose("verify-email", to, "Verify your email address for CodePark", name, [
    {
      text: "Please confirm that this is your email address. Until you do, you cannot be added to projects and no notifications are emailed to you.",
      link: { label: "Verify my email address", url: link },
    },
    {
      text: "The link works once, for 24 hours. If you did not create a CodePark account, ignore this email.",
    },
  ]);
}

export function confirmNewEmailMessage(to: string, name: string, link: string): MailMessage {
  return compose("confirm-new-email", to, "Confirm your new email address for CodePark", name, [
    {
      text: "You asked to use this address for your CodePark account. It takes effect once you follow this link:",
      link: { label: "Use this email address", url: link },
    },
    {
      text: "The link works once, for 24 hours. If you did not ask for this, ignore this email: nothing changes.",
    },
  ]);
}

export function passwordResetMessage(to: string, name: string, link: string): MailMessage {
  return compose("password-reset", to, "Reset your CodePark password", name, [
    {
      text: "Someone (hopefully you) asked to reset the password of the CodePark account that uses this address. Choose a new password here:",
      link: { label: "Choose a new password", url: link },
    },
    {
      text: "The link works once, for 30 minutes. Every device signed in to the account is signed out when the password changes. If you did not ask for this, ignore this email: your password stays as it is.",
    },
  ]);
}

export function passwordChangedMessage(
  to: string,
  name: string,
  how: "changed" | "reset",
  links: { forgot: string },
): MailMessage {
  const what =
    how === "reset"
      ? "The password of your CodePark account was reset with a link sent to this address, and every device was signed out."
      : "The password of your CodePark account was changed, and every other device was signed out.";
  return compose("password-changed", to, "Your CodePark password was changed", name, [
    { text: what },
    {
      text: "If this was not you, reset your password now, then check your sessions and API keys in your settings:",
      link: { label: "Reset my password", url: links.forgot },
    },
  ]);
}

export function signupExistingMessage(
  to: string,
  name: string,
  links: { signIn: string; forgot: string },
): MailMessage {
  return compose(
    "signup-existing",
    to,
    "Someone tried to create a CodePark account with your address",
    name,
    [
      {
        text: "Someone tried to create a new CodePark account with this email address. It already has an account (yours), so nothing was created and nothing about your account changed.",
      },
      { text: "If it was you, sign in instead:", link: { label: "Sign in", url: links.signIn } },
      {
        text: "Forgot your password? Choose a new one here:",
        link: { label: "Reset my password", url: links.forgot },
      },
      { text: "If it was not you, you can ignore this email." },
    ],
  );
}

export function emailChangeRequestedMessage(
  to: string,
  name: string,
  newEmail: string,
  links: { forgot: string },
): MailMessage {
  return compose("email-change-requested", to, "Your CodePark email address is being changed", name, [
    {
      text: `Someone signed in to your CodePark account asked to change its email address to ${newEmail}. It changes only once a link sent to that address is followed; until then this address stays in use.`,
    },
    {
      text: "If this was not you, reset your password now (the link goes to this address), then check your sessions in your settings:",
      link: { label: "Reset my password", url: links.forgot },
    },
  ]);
}

export function emailChangeTakenMessage(to: string, links: { signIn: string; forgot: string }): MailMessage {
  return compose("email-change-taken", to, "Someone tried to move a CodePark account to your address", null, [
    {
      text: "Someone asked to use this email address for their CodePark account. This address already has an account, so it cannot be used for another one, and nothing changed.",
    },
    {
      text: "If it was you and you meant to use this address, sign in to the account that already has it, or reset its password:",
      link: { label: "Sign in", url: links.signIn },
    },
    {
      text: "Reset the password of the account with this address:",
      link: { label: "Reset my password", url: links.forgot },
    },
    { text: "If it was not you, you can ignore this email." },
  ]);
}
