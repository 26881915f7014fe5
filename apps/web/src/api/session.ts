import type { User } from "./types.ts";

/** The signed-in session: kept in localStorage so a reload (or another tab) stays signed in. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: User;
  /** Date.now() when the access token arrived: its age is measured on this clock, not the server's. */
  receivedAt: number;
}

const KEY = "codepark.session";
const listeners = new Set<() => void>();
let current: StoredSession | null = readStored();
/** Why the last session ended without the person signing out (shown on the sign-in page). */
let endedNotice: string | null = null;

export function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as StoredSession;
    return parsed?.accessToken && parsed.refreshToken && parsed.user ? parsed : null;
  } catch {
    return null;
  }
}

export function getSession(): StoredSession | null {
  return current;
}

export function setSession(next: StoredSession | null): void {
  current = next;
  try {
    if (next) localStorage.setItem(KEY, JSON.stringify(next));
    else localStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode quotas): the session still lives in memory.
  }
  if (next) endedNotice = null;
  notify();
}

/** Adopts what another tab stored (after it refreshed the tokens) without writing it back. */
export function adoptStored(stored: StoredSession | null): void {
  current = stored;
  notify();
}

/** The session is gone (expired, revoked): back to sign-in with a reason, keeping the page to return to. */
export function endSession(notice: string): void {
  endedNotice = notice;
  setSession(null);
}

export function takeEndedNotice(): string | null {
  return endedNotice;
}

export function updateUser(user: User): void {
  if (current) setSession({ ...current, user });
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener("storage", (event) => {
  if (event.key !== KEY && event.key !== null) return;
  current = readStored();
  notify();
});

/**
 * Seconds until the session's access token expires: its lifetime (JWT `exp` − `iat`) minus its age
 * on this device's clock, so a skewed device clock does not matter. 0 when it cannot be read.
 */
export function secondsLeft(session: StoredSession): number {
  try {
    const payload = session.accessToken.split(".")[1];
    if (!payload) return 0;
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as {
      exp?: number;
      iat?: number;
    };
    if (typeof json.exp !== "number") return 0;
    const lifetime = typeof json.iat === "number" ? json.exp - json.iat : json.exp - Date.now() / 1000;
    return lifetime - (Date.now() - (session.receivedAt || 0)) / 1000;
  } catch {
    return 0;
  }
}

export function sessionFrom(result: {
  accessToken: string;
  refreshToken: string;
  user: User;
}): StoredSession {
  return {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken,
    user: result.user,
    receivedAt: Date.now(),
  };
}
