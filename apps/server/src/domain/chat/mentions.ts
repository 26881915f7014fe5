/** `@name` tokens: letters, digits and _ . - (a name's spaces are dropped to mention it: @AdaLovelace). */
const MENTION = /(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.-]{1,64})/gu;

const key = (text: string) => text.normalize("NFKC").toLocaleLowerCase().replace(/\s+/g, "");

/**
 * The people a message mentions, among those who take part in the conversation. A token matches a
 * name with its spaces removed (@AdaLovelace, @ada.lovelace does not) or, when only one person has
 * it, a first name (@Ada). Unknown names are plain text.
 */
export function resolveMentions(body: string, people: readonly { id: string; name: string }[]): string[] {
  const byFullName = new Map<string, string>();
  const byFirstName = new Map<string, string[]>();
  for (const person of people) {
    byFullName.set(key(person.name), person.id);
    const first = key(person.name.trim().split(/\s+/)[0] ?? "");
    if (first) byFirstName.set(first, [...(byFirstName.get(first) ?? []), person.id]);
  }
  const found = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    const token = key(match[2]!.replace(/[.-]+$/, ""));
    const id =
      byFullName.get(token) ??
      (byFirstName.get(token)?.length === 1 ? byFirstName.get(token)![0] : undefined);
    if (id) found.add(id);
  }
  return [...found];
}
