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
