/*
 * CodePark's service worker: shows the web pushes the server sends (a JSON body
 * {title, body, url, tag, notificationId, kind}) and, when one is clicked, focuses a CodePark tab
 * on its page or opens one. It does not intercept requests (no fetch handler, no caching).
 */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch {
      data = { body: event.data.text() };
    }
  }
  const title = typeof data.title === "string" && data.title ? data.title : "CodePark";
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    // The same notification pushed again (a retry) replaces the one shown instead of adding one.
    tag: typeof data.tag === "string" && data.tag ? data.tag : undefined,
    data: { url: sameOriginPath(data.url) },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = sameOriginPath(event.notification.data?.url);
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const exact = windows.find((client) => client.url === target);
      if (exact) return exact.focus();
      const tab = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (tab) {
        const focused = await tab.focus();
        // navigate() works for pages this worker controls; others are asked to go there themselves.
        try {
          if ("navigate" in focused) return await focused.navigate(target);
        } catch {
          // not controlled by this worker
        }
        focused.postMessage({ type: "codepark:navigate", path });
        return focused;
      }
      return self.clients.openWindow(target);
    })(),
  );
});

/**
 * Only a page of this site is ever opened: a push must not send anyone elsewhere. An absolute URL
 * (the server's PUBLIC_URL) keeps just its path.
 */
function sameOriginPath(url) {
  if (typeof url !== "string" || !url) return "/";
  try {
    const parsed = new URL(url, self.location.origin);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "/";
    return parsed.pathname + parsed.search + parsed.hash;
  } catch {
    return "/";
  }
}
