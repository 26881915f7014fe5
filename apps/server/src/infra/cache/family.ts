/** Counts one lookup of a key family (`session`, `user`, `project`…): a hit or a miss. */
export type LookupCounter = (family: string, hit: boolean) => void;

/** The family of a `family:id…` key: what the hit/miss metrics are labelled with. */
export function familyOf(key: string): string {
  const colon = key.indexOf(":");
  return colon === -1 ? key : key.slice(0, colon);
}
