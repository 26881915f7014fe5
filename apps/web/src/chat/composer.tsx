import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { ErrorMessage } from "../ui/feedback.tsx";
import {
  busyLabel,
  type Candidate,
  insertMention,
  keyAction,
  lengthCheck,
  MAX_MESSAGE_LENGTH,
  mentionMenu,
  tooLongMessage,
} from "./composer-model.ts";
import { MentionList } from "./mention-list.tsx";

export type { Candidate } from "./composer-model.ts";

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

  const { mention, matches, open, selected } = mentionMenu(text, caret, people, dismissedAt, active);
  const { length, over, level } = lengthCheck(text);

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
    const next = insertMention(text, caret, mention, person.name);
    setText(next.text);
    setCaret(next.caret);
    pendingCaret.current = next.caret;
    setActive(0);
    box.current?.focus();
  };

  const submit = async () => {
    const body = text.trim();
    if (!body || busy) return;
    if (over) {
      setError(new Error(tooLongMessage(length)));
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
    const action = keyAction(
      {
        key: event.key,
        shiftKey: event.shiftKey,
        altKey: event.altKey,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        isComposing: event.nativeEvent.isComposing,
      },
      { open, selected, count: matches.length },
      onCancel !== undefined,
    );
    if (action.kind === "none") return;
    event.preventDefault();
    if (action.kind === "dismiss" || action.kind === "cancel") event.stopPropagation();
    if (action.kind === "highlight") setActive(action.index);
    else if (action.kind === "pick") pick(matches[action.index]!);
    else if (action.kind === "dismiss") setDismissedAt(mention!.start);
    else if (action.kind === "cancel") onCancel?.();
    else void submit();
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
      {open && <MentionList listId={listId} matches={matches} selected={selected} onPick={pick} />}
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
        <span className={`char-count${level === "ok" ? "" : ` ${level}`}`}>
          <span className="visually-hidden">Characters used: </span>
          {length}/{MAX_MESSAGE_LENGTH}
        </span>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={busy || !text.trim() || over}>
          {busy ? busyLabel(submitLabel) : submitLabel}
        </button>
      </div>
      <ErrorMessage error={error} onDismiss={() => setError(null)} />
    </form>
  );
}
