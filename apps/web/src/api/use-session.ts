import { useSyncExternalStore } from "react";
import { navigate } from "../router.tsx";
import { apiRoutes, call } from "./client.ts";
import { getSession, type StoredSession, setSession, subscribeSession } from "./session.ts";

export function useSession(): StoredSession | null {
  return useSyncExternalStore(subscribeSession, getSession);
}

/** Signs this device out: the server revokes the session; locally it ends even when offline. */
export async function signOut(): Promise<void> {
  // This browser's push subscription belongs to the person leaving: remove it first (while the
  // token still works). The push code loads only when there is one.
  if (localStorage.getItem("codepark.push")) {
    await import("../notifications/push.ts").then(
      (push) => push.disablePushOnSignOut(),
      () => undefined,
    );
  }
  try {
    await call(apiRoutes.auth.logout);
  } catch {
    // Already expired or unreachable: forgetting the tokens here is what matters.
  }
  signedOut();
}

/** After a deliberate sign-out the sign-in page starts afresh (no page to return to). */
export function signedOut(): void {
  setSession(null);
  navigate("/sign-in", { replace: true });
}

/** Only same-site paths are followed after sign-in (no open redirects). */
export function safeReturnPath(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/sign-")) return "/";
  return next;
}
