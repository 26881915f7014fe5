import type { NotificationKind } from "./kinds.ts";

/** Where links point: PUBLIC_URL when set, otherwise paths relative to wherever CodePark is served. */
export interface Links {
  publicUrl?: string | undefined;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** What a web push shows (the service worker uses `tag` so a redelivered push replaces, not repeats). */
export interface PushContent {
  title: string;
  body: string;
  url: string;
  tag: string;
}

/** The in-app summary (inbox list, Socket.IO `notification`). */
export interface Summary {
  title: string;
  body: string;
  /** A path in the web app, or an absolute URL when PUBLIC_URL is set. */
  url: string;
}

export interface Renderable {
  id: string;
  kind: string;
  data: Record<string, unknown>;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Every value interpolated into HTML goes through this: names, paths and excerpts are user input. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

function text(data: Record<string, unknown>, key: string, fallback: string): string {
  const value = data[key];
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

/** Project/file ids are ours, but a path segment is still encoded rather than trusted. */
const segment = (value: string) => encodeURIComponent(value);

function article(role: string): string {
  return /^[aeiou]/i.test(role) ? `an ${role}` : `a ${role}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Title, body and web-app path of a notification, from the data it was created with. */
function describe(
  kind: string,
  data: Record<string, unknown>,
): { title: string; body: string; path: string } {
  const actor = text(data, "actorName", "Someone");
  const projectId = text(data, "projectId", "");
  const projectName = text(data, "projectName", "a project");
  const projectPath = projectId ? `/projects/${segment(projectId)}` : "/";
  switch (kind as NotificationKind) {
    case "mention": {
      const where = projectId ? projectName : "a direct message";
      const conversationId = text(data, "conversationId", "");
      return {
        title: `${actor} mentioned you in ${where}`,
        body: text(data, "excerpt", ""),
        path: projectId ? `${projectPath}?chat=1` : `/messages/${segment(conversationId)}`,
      };
    }
    case "member_added": {
      const role = text(data, "role", "member");
      return {
        title: `${actor} added you to ${projectName}`,
        body: `You are now ${article(role)} in ${projectName}.`,
        path: projectPath,
      };
    }
    case "role_changed": {
      const role = text(data, "role", "member");
      const previous = text(data, "previousRole", "member");
      return {
        title: `Your role in ${projectName} is now ${role}`,
        body: `${actor} changed your role from ${previous} to ${role}.`,
        path: projectPath,
      };
    }
    case "version_restored": {
      const path = text(data, "path", "a file");
      const version = text(data, "versionName", "an earlier version");
      const fileId = text(data, "fileId", "");
      return {
        title: `${actor} restored a version of ${path}`,
        body: `${path} in ${projectName} was restored to ${version}. The text before the restore is kept in its version history.`,
        path: fileId ? `${projectPath}?file=${segment(fileId)}` : projectPath,
      };
    }
    case "webhook_disabled": {
      const url = text(data, "url", "");
      const reason =
        data.reason === "gone"
          ? "it answered 410 Gone"
          : "it has been failing for too long without a successful delivery";
      return {
        title: `Your webhook to ${hostOf(url)} was switched off`,
        body: `CodePark stopped sending events to ${url} because ${reason}. Switch it back on in your webhook settings once it works again.`,
        path: "/settings/webhooks",
      };
    }
    case "account_locked": {
      const minutes = Math.round(Number(data.lockedForSeconds ?? 0) / 60);
      return {
        title: "Sign-in to your account was locked after repeated failures",
        body: `Someone failed to sign in to your account ${String(data.failures ?? "several")} times, so sign-in is locked for ${minutes} minutes. If it was not you, change your password and turn on two-factor authentication.`,
        path: "/settings/sessions",
      };
    }
    case "export_ready": {
      const size = typeof data.size === "number" ? ` (${formatBytes(data.size)})` : "";
      const byAdmin = data.requestedBy === "admin" ? " An administrator asked for it on your behalf." : "";
      const link = text(data, "downloadUrl", "");
      return {
        title: "Your CodePark data export is ready",
        body: `The archive of your data${size} is ready.${byAdmin} The download link works for an hour; after that, get a new one under Settings → Privacy while the archive is kept (until ${text(data, "expiresAt", "it expires")}).`,
        // The link is the download itself; without one, the privacy settings page.
        path: link || "/settings/privacy",
      };
    }
    default:
      return { title: "New notification", body: "", path: "/" };
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A subject is a header: names with line breaks must not start new ones. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, " ");

function absolute(links: Links, path: string): string {
  // Already absolute (an export's download link is built with PUBLIC_URL).
  if (/^https?:\/\//.test(path)) return path;
  return links.publicUrl ? `${links.publicUrl.replace(/\/+$/, "")}${path}` : path;
}

export function summarize(notification: Renderable, links: Links): Summary {
  const { title, body, path } = describe(notification.kind, notification.data);
  return { title, body, url: absolute(links, path) };
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Kept short: a push payload has to fit in about 4 KB once encrypted, and screens are small. */
export function renderPush(notification: Renderable, links: Links): PushContent {
  const { title, body, url } = summarize(notification, links);
  return { title: clip(title, 120), body: clip(body, 300), url, tag: notification.id };
}

const FOOTER = "You can choose which notifications reach you by email in your notification settings";

function footer(links: Links): { text: string; html: string } {
  const url = absolute(links, "/settings/notifications");
  return {
    text: `--\n${FOOTER}: ${url}`,
    html: `<p style="color:#666;font-size:12px">${escapeHtml(FOOTER)}: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
  };
}

function layout(inner: string, links: Links): string {
  return `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${inner}${footer(links).html}</body></html>`;
}

/** One notification, one email. */
export function renderEmail(notification: Renderable, links: Links): EmailContent {
  const { title, body, url } = summarize(notification, links);
  const lines = [title, ""];
  if (body) lines.push(body, "");
  lines.push(`Open it: ${url}`, "", footer(links).text);
  const html = layout(
    `<p><strong>${escapeHtml(title)}</strong></p>` +
      (body ? `<p>${escapeHtml(body)}</p>` : "") +
      `<p><a href="${escapeHtml(url)}">Open in CodePark</a></p>`,
    links,
  );
  return { subject: oneLine(title), text: `${lines.join("\n")}\n`, html };
}

/** Several notifications batched over the person's digest window, oldest first. */
export function renderDigest(items: readonly Renderable[], links: Links): EmailContent {
  if (items.length === 1) return renderEmail(items[0]!, links);
  const summaries = items.map((item) => summarize(item, links));
  const subject = `${items.length} new notifications on CodePark`;
  const text = [
    `${subject}:`,
    "",
    ...summaries.flatMap(({ title, body, url }) => [
      `- ${title}`,
      ...(body ? [`  ${body}`] : []),
      `  ${url}`,
    ]),
    "",
    footer(links).text,
  ].join("\n");
  const html = layout(
    `<p><strong>${escapeHtml(subject)}</strong></p><ul>` +
      summaries
        .map(
          ({ title, body, url }) =>
            `<li><a href="${escapeHtml(url)}">${escapeHtml(title)}</a>` +
            (body ? `<br>${escapeHtml(body)}` : "") +
            "</li>",
        )
        .join("") +
      "</ul>",
    links,
  );
  return { subject, text: `${text}\n`, html };
}
