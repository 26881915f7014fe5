/** People who can be @mentioned in a conversation, indexed as the server resolves mentions. */
export interface MentionIndex {
  byFullName: Map<string, Person>;
  byFirstName: Map<string, Person[]>;
}

export interface Person {
  id: string;
  name: string;
  /** The signed-in person. */
  self: boolean;
}

/** As the server compares names: NFKC, lower case, spaces removed. */
export const mentionKey = (text: string) => text.normalize("NFKC").toLocaleLowerCase().replace(/\s+/g, "");

/** What to type to mention someone: their name without spaces (@AdaLovelace). */
export const mentionToken = (name: string) => `@${name.replace(/\s+/g, "")}`;

export function mentionIndex(people: readonly { id: string; name: string }[], selfId: string): MentionIndex {
  const byFullName = new Map<string, Person>();
  const byFirstName = new Map<string, Person[]>();
  for (const { id, name } of people) {
    const person = { id, name, self: id === selfId };
    byFullName.set(mentionKey(name), person);
    const first = mentionKey(name.trim().split(/\s+/)[0] ?? "");
    if (first) byFirstName.set(first, [...(byFirstName.get(first) ?? []), person]);
  }
  return { byFullName, byFirstName };
}

/** The person a token names: the full name without spaces, or a first name only one person has. */
export function resolveMention(token: string, index: MentionIndex): Person | null {
  const key = mentionKey(token);
  const full = index.byFullName.get(key);
  if (full) return full;
  const first = index.byFirstName.get(key);
  return first?.length === 1 ? first[0]! : null;
}

/** The `@query` being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.-]{0,64})$/u.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[2]!;
  return { start: caret - query.length - 1, query };
}

/** Candidates for `@query`: the name without spaces, or any word of it, starts with the query. */
export function filterPeople<T extends { name: string }>(
  people: readonly T[],
  query: string,
  limit = 8,
): T[] {
  const want = mentionKey(query);
  const scored = people
    .map((person) => {
      const full = mentionKey(person.name);
      if (full.startsWith(want)) return { person, score: 0 };
      const words = person.name.toLocaleLowerCase().split(/\s+/);
      return words.some((word) => mentionKey(word).startsWith(want)) ? { person, score: 1 } : null;
    })
    .filter((entry): entry is { person: T; score: number } => entry !== null)
    .sort((a, b) => a.score - b.score || a.person.name.localeCompare(b.person.name));
  return scored.slice(0, limit).map((entry) => entry.person);
}
