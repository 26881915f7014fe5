import { useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import type { Session } from "../api/types.ts";
import { signedOut } from "../api/use-session.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { formatDate } from "../ui/format.ts";
import { useAsync } from "../ui/use-async.ts";

export function SessionsSection() {
  const sessions = useAsync((signal) => getAll(apiRoutes.account.listSessions, {}, { signal }), []);
  const [revoking, setRevoking] = useState<Session | null>(null);
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Devices signed in to your account. Signing one out ends its access at once.</p>
      {sessions.loading && <Spinner label="Loading sessions…" />}
      <ErrorMessage error={sessions.error} />
      <ul className="session-list">
        {(sessions.data ?? []).map((session) => (
          <li key={session.id} className="session-item">
            <div>
              <strong>{describeAgent(session.userAgent)}</strong>
              {session.current && <span className="badge">this device</span>}
              <p className="muted">
                {session.ip ?? "unknown address"} · signed in {formatDate(session.createdAt)} · last active{" "}
                {formatDate(session.lastSeenAt)}
              </p>
            </div>
            <button type="button" className="danger-link" onClick={() => setRevoking(session)}>
              Sign out this device
            </button>
          </li>
        ))}
      </ul>
      {revoking && (
        <ConfirmDialog
          title="Sign out this device?"
          message={
            <p>
              {revoking.current
                ? "This is the device you are using: you will be signed out here."
                : `${describeAgent(revoking.userAgent)} will be signed out and must sign in again.`}
            </p>
          }
          confirmLabel="Sign out device"
          onConfirm={async () => {
            await call(apiRoutes.account.revokeSession, { params: { id: revoking.id } });
            if (revoking.current) signedOut();
            else sessions.setData((list) => list?.filter((item) => item.id !== revoking.id));
          }}
          onClose={() => setRevoking(null)}
        />
      )}
    </section>
  );
}

/** A short, human name for a user agent string. */
function describeAgent(agent: string | null): string {
  if (!agent) return "Unknown device";
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(agent)?.[1];
  const system = /(Windows|Mac OS X|Android|iPhone|iPad|Linux)/.exec(agent)?.[1];
  if (!browser && !system) return agent.slice(0, 60);
  const name = browser === "Edg" ? "Edge" : browser;
  return [name ?? "Browser", system ? `on ${system}` : ""].join(" ").trim();
}
