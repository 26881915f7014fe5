import { colorFor } from "../ui/colors.ts";
import type { Candidate } from "./composer-model.ts";
import { mentionToken } from "./mentions.ts";

/** The people matching an @query, driven from the message box (aria-activedescendant). */
export function MentionList({
  listId,
  matches,
  selected,
  onPick,
}: {
  listId: string;
  matches: Candidate[];
  selected: number;
  onPick: (person: Candidate) => void;
}) {
  return (
    <div className="mention-list" id={listId} role="listbox" aria-label="People to mention">
      {matches.map((person, index) => (
        // The list is driven from the message box (aria-activedescendant): options take no focus.
        <div
          key={person.id}
          id={`${listId}-${index}`}
          role="option"
          tabIndex={-1}
          aria-selected={index === selected}
          className={index === selected ? "active" : undefined}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onPick(person)}
          onKeyDown={() => undefined}
        >
          <span className="avatar small" style={{ backgroundColor: colorFor(person.id) }} aria-hidden="true">
            {person.name.slice(0, 1).toUpperCase()}
          </span>
          <span className="mention-name">{person.name}</span>
          <span className="mention-token muted">{mentionToken(person.name)}</span>
        </div>
      ))}
    </div>
  );
}
