import type { Member } from "../api/types.ts";
import { colorFor } from "../ui/colors.ts";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";

/** Starting a direct conversation: the project's other members, one button each. */
export function MemberPicker({
  others,
  loading,
  loadError,
  startError,
  onDismissStartError,
  busy,
  onStart,
}: {
  others: Member[];
  loading: boolean;
  loadError: unknown;
  startError: unknown;
  onDismissStartError: () => void;
  busy: boolean;
  onStart: (userId: string) => void;
}) {
  return (
    <div className="member-picker" id="member-picker">
      <p className="muted">Message someone in this project:</p>
      {loading && <Spinner label="Loading members…" />}
      <ErrorMessage error={loadError} />
      <ErrorMessage error={startError} onDismiss={onDismissStartError} />
      {!loading && others.length === 0 && !loadError && (
        <p className="muted">Nobody else is in this project yet. Invite people in the project settings.</p>
      )}
      <ul className="member-options">
        {others.map((member) => (
          <li key={member.userId}>
            <button type="button" onClick={() => onStart(member.userId)} disabled={busy}>
              <span
                className="avatar small"
                style={{ backgroundColor: colorFor(member.userId) }}
                aria-hidden="true"
              >
                {member.name.slice(0, 1).toUpperCase()}
              </span>
              <span className="visually-hidden">Message </span>
              {member.name}
              <span className="muted"> · {member.role}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
