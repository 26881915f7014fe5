import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { colorFor } from "../ui/colors.ts";
import { ErrorMessage } from "../ui/feedback.tsx";
import { filterPeople, mentionAt, mentionToken } from "./mentions.ts";

/** The server's limit (MAX_MESSAGE_LENGTH in the protocol; not imported, which would bring zod). */
export const MAX_MESSAGE_LENGTH = 4000;

export interface Candidate {
  id: string;
  name: string;
  detail?: string;
}

/**
 * A message box: Enter sends, Shift+Enter starts a new line, the length limit is shown, and typing
 * @ offers the conversation's people (arrow keys to choose, Enter or Tab to insert @NameWithoutSpaces,
 * Escape to close the list). Also used to edit a message (`initial`, `onCancel`).
 */
export function Composer({
  label,
  placeholder,
  people,
  onSend,
  onTyping,
  onCancel,
  initial = "",
  submitLabel = "Send",
  autoFocus = false,
  disabledReason,
}: {
  label: string;
  placeholder?: string;
  people: Candidate[];
  onSend: (body: string) => Promise<void>;
  onTyping?: () => void;
  onCancel?: () => void;
  initial?: string;
  submitLabel?: string;
  autoFocus?: boolean;
  disabledReason?: string | null;
}) {
  const [text, setText] = useState(initial);
  const [caret, setCaret] = useState(initial.length);
  const [active, setActive] = useState(0);
  /** Where the @ of a list the person closed with Escape starts (it stays closed for that @). */
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const id = useId();
  const listId = `${id}-mentions`;
  const hintId = `${id}-hint`;

  const mention = mentionAt(text, caret);
  const matches = mention ? filterPeople(people, mention.query) : [];
  const open = mention !== null && matches.length > 0 && dismissedAt !== mention.start;
  const selected = open ? Math.min(active, matches.length - 1) : 0;
  const length = text.trim().length;
  const over = length > MAX_MESSAGE_LENGTH;

  // biome-ignore lint/correctness/useExhaustiveDependencies: focus once, when opened for editing
  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, []);

  useLayoutEffect(() => {
    if (pendingCaret.current === null || !box.current) return;
    box.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
    pendingCaret.current = null;
  });

  // Grow with the text, up to a limit (then it scrolls).
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure when the text changes
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight + 2, 180)}px`;
  }, [text]);

  const pick = (person: Candidate) => {
    if (!mention) return;
    const token = `${mentionToken(person.name)} `;
    const next = text.slice(0, mention.start) + token + text.slice(caret);
    const at = mention.start + token.length;
    setText(next);
    setCaret(at);
    pendingCaret.current = at;
    setActive(0);
    box.current?.focus();
  };

  const submit = async () => {
    const body = text.trim();
    if (!body || busy) return;
    if (over) {
      setError(
        new Error(
          `A message holds at most ${MAX_MESSAGE_LENGTH} characters; this one has ${length}. Shorten it or split it in two.`,
        ),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSend(body);
      setText("");
      setCaret(0);
      setDismissedAt(null);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      box.current?.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((selected + step + matches.length) % matches.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(matches[selected]!);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        setDismissedAt(mention!.start);
        return;
      }
    }
    if (event.key === "Escape" && onCancel) {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      void submit();
    }
  };

  if (disabledReason) {
    return (
      <p className="composer-disabled muted" role="status">
        {disabledReason}
      </p>
    );
  }

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {open && (
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
              onClick={() => pick(person)}
              onKeyDown={() => undefined}
            >
              <span
                className="avatar small"
                style={{ backgroundColor: colorFor(person.id) }}
                aria-hidden="true"
              >
                {person.name.slice(0, 1).toUpperCase()}
              </span>
              <span className="mention-name">{person.name}</span>
              <span className="mention-token muted">{mentionToken(person.name)}</span>
            </div>
          ))}
        </div>
      )}
      <textarea
        ref={box}
        className="composer-input"
        aria-label={label}
        placeholder={placeholder}
        rows={1}
        value={text}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${selected}` : undefined}
        aria-describedby={hintId}
        aria-invalid={over || undefined}
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          setActive(0);
          if (event.target.value.trim()) onTyping?.();
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
      />
      <div className="composer-foot">
        <span id={hintId} className="composer-hint">
          Enter to {submitLabel.toLowerCase()}, Shift+Enter for a new line
          {onCancel ? ", Escape to cancel" : ""}. Type @ to mention someone.
        </span>
        <span className={`char-count${over ? " over" : length > MAX_MESSAGE_LENGTH - 200 ? " near" : ""}`}>
          <span className="visually-hidden">Characters used: </span>
          {length}/{MAX_MESSAGE_LENGTH}
        </span>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={busy || !text.trim() || over}>
          {busy ? `${submitLabel === "Send" ? "Sending" : "Saving"}…` : submitLabel}
        </button>
      </div>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
    </form>
  );
}
