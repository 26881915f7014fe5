import { describeError, ProblemError } from "../api/errors.ts";

/** An error in words, announced to screen readers. Validation failures list each field's message. */
export function ErrorMessage({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (!error) return null;
  const fields = error instanceof ProblemError ? error.errors : [];
  return (
    <div className="error" role="alert">
      <span className="error-icon" aria-hidden="true">
        !
      </span>
      <div className="error-body">
        <p>{describeError(error)}</p>
        {fields.length > 0 && (
          <ul>
            {fields.map((field) => (
              <li key={`${field.path}:${field.message}`}>
                {field.path ? <strong>{field.path}: </strong> : null}
                {field.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}
