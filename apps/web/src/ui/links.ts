/**
 * Where a link from the server (a notification's `url`: a path, or an absolute URL when the server
 * has PUBLIC_URL) leads: a path inside this app (followed without a reload), another http(s) page,
 * or nowhere when it is anything else (javascript:, data:, protocol-relative //host).
 */
export function resolveAppLink(url: string): { href: string; internal: boolean } | null {
  if (url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")) {
    return { href: url, internal: !isServerPath(url) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  if (parsed.origin === window.location.origin) {
    const path = parsed.pathname + parsed.search + parsed.hash;
    return { href: path, internal: !isServerPath(path) };
  }
  return { href: parsed.href, internal: false };
}

/** The server's own paths (an export's download link) load in the browser, not as an app route. */
function isServerPath(path: string): boolean {
  return path.startsWith("/api/");
}
