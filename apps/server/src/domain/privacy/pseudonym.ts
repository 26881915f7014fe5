import { createHmac } from "node:crypto";

/** What the audit log and the event log show instead of a deleted account's id and email. */
export function pseudonymFor(key: Uint8Array, userId: string): string {
  return `deleted-user-${createHmac("sha256", key).update(userId).digest("hex").slice(0, 20)}`;
}

/** Shown where a deleted account's name was. */
export const DELETED_USER_NAME = "Deleted user";

/** The personal values of one deleted account, and what replaces them. */
export interface Subject {
  id: string;
  /** Lower-cased, as stored. */
  email: string;
  name: string;
  pseudonym: string;
}

/**
 * A JSON value with every trace of the subject replaced: their id (also inside longer strings, such
 * as a direct conversation's "<a>:<b>" key; ids are random, so nothing else contains one) and their
 * email by the pseudonym, a string that is exactly their name by "Deleted user". Anything else is
 * left as it is: what other people wrote is theirs.
 */
export function scrubValue(value: unknown, subject: Subject): unknown {
  if (typeof value === "string") {
    if (value.toLowerCase() === subject.email) return subject.pseudonym;
    if (value === subject.name) return DELETED_USER_NAME;
    return value.includes(subject.id) ? value.replaceAll(subject.id, subject.pseudonym) : value;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, subject));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, scrubValue(item, subject)]),
    );
  }
  return value;
}

/** Whether a JSON value mentions the subject at all (then it is rewritten). */
export function mentions(value: unknown, subject: Subject): boolean {
  return JSON.stringify(scrubValue(value, subject)) !== JSON.stringify(value);
}
