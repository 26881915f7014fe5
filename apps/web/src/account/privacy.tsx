import { type FormEvent, useEffect, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import type { DataExport } from "../api/types.ts";
import { signedOut, useSession } from "../api/use-session.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Notice, Spinner } from "../ui/feedback.tsx";
import { formatBytes, formatDate } from "../ui/format.ts";
import { useAction, useAsync } from "../ui/use-async.ts";

/** Settings → Privacy: export your data, delete your account (docs/privacy.md). */
export function PrivacySection() {
  return (
    <>
      <ExportSection />
      <DeleteAccountSection />
    </>
  );
}

/** While an export is being built the list is looked at again this often. */
const POLL_MS = 3_000;

function ExportSection() {
  const exports = useAsync((signal) => call(apiRoutes.privacy.listExports, {}, { signal }), []);
  const items = exports.data?.items ?? [];
  const pending = items.some((item) => item.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(exports.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [pending, exports.reload]);
  const request = useAction(async () => {
    await call(apiRoutes.privacy.requestExport);
    exports.reload();
  });
  const download = useAction(async (item: DataExport) => {
    const link = await call(apiRoutes.privacy.exportLink, { params: { id: item.id } });
    // The link carries its own credential: the browser downloads it like any file.
    window.location.assign(link.url);
  });
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export your data</h2>
      <p className="muted">
        A ZIP archive of everything CodePark holds about you: your profile, sessions, API keys (never the keys
        themselves), the projects you own with their files and versions, your messages, notifications and
        audit entries. It is prepared in the background; you are notified when it is ready, and it is kept for
        two days.
      </p>
      <ErrorMessage error={request.error ?? download.error} />
      <button
        type="button"
        className="primary"
        onClick={() => void request.run()}
        disabled={request.busy || pending}
      >
        {pending ? "Preparing your export…" : "Export my data"}
      </button>
      {exports.loading && !exports.data && <Spinner label="Loading your exports…" />}
      <ErrorMessage error={exports.error} />
      {items.length > 0 && (
        <ul className="session-list" aria-label="Your data exports">
          {items.map((item) => (
            <li key={item.id} className="session-item" data-testid="data-export">
              <div>
                <strong>Requested {formatDate(item.createdAt)}</strong>
                {item.requestedBy === "admin" && <span className="badge">by an admin</span>}
                <p className="muted">{describeExport(item)}</p>
              </div>
              {item.status === "ready" && (
                <button type="button" onClick={() => void download.run(item)} disabled={download.busy}>
                  Download
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function describeExport(item: DataExport): string {
  if (item.status === "pending") return "Being prepared…";
  if (item.status === "failed") return "Could not be prepared. Please ask again.";
  const size = item.size === null ? "" : `${formatBytes(item.size)} · `;
  return `${size}ready ${formatDate(item.readyAt)} · kept until ${formatDate(item.expiresAt)}`;
}

type OwnedChoice = "transfer" | "delete";

function DeleteAccountSection() {
  const session = useSession();
  const twoFactor = session?.user.twoFactorEnabled ?? false;
  const projects = useAsync((signal) => getAll(apiRoutes.projects.list, {}, { signal }), []);
  const owned = (projects.data ?? []).filter((project) => project.role === "owner");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [choice, setChoice] = useState<OwnedChoice>("transfer");
  const [confirming, setConfirming] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setConfirming(true);
  };
  const remove = async () => {
    const given = code.trim();
    // Six digits are an authenticator code; anything else is a recovery code.
    const factor =
      !twoFactor || !given ? {} : /^\d{6}$/.test(given) ? { otp: given } : { recoveryCode: given };
    await call(apiRoutes.privacy.deleteAccount, { body: { password, ownedProjects: choice, ...factor } });
    signedOut();
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete your account</h2>
      <p>
        Deleting your account signs you out everywhere and removes your profile, sessions, API keys,
        notifications and memberships. Messages you wrote stay in their conversations as a deleted user's,
        without their text. The audit log keeps a record under a pseudonym. This cannot be undone.
      </p>
      <form onSubmit={submit}>
        {owned.length > 0 && (
          <fieldset>
            <legend>
              Projects you own ({owned.length}): {owned.map((project) => project.name).join(", ")}
            </legend>
            <div>
              <label className="checkbox">
                <input
                  type="radio"
                  name="owned-projects"
                  checked={choice === "transfer"}
                  onChange={() => setChoice("transfer")}
                />
                Hand each one to another member (the longest-standing editor, else viewer)
              </label>
            </div>
            <div>
              <label className="checkbox">
                <input
                  type="radio"
                  name="owned-projects"
                  checked={choice === "delete"}
                  onChange={() => setChoice("delete")}
                />
                Delete them, with their files and chat
              </label>
            </div>
            <p className="muted">Projects with another owner stay with that owner either way.</p>
          </fieldset>
        )}
        <label htmlFor="delete-password">Your password</label>
        <input
          id="delete-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
        {twoFactor && (
          <>
            <label htmlFor="delete-code">Authenticator or recovery code</label>
            <input
              id="delete-code"
              autoComplete="one-time-code"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              required
            />
          </>
        )}
        <button type="submit" className="danger">
          Delete my account…
        </button>
      </form>
      {confirming && (
        <ConfirmDialog
          title="Delete your account?"
          message={
            <>
              <Notice>This cannot be undone.</Notice>
              <p>
                {owned.length === 0
                  ? "You own no projects."
                  : choice === "delete"
                    ? `The ${owned.length} project(s) only you own will be deleted.`
                    : `The ${owned.length} project(s) only you own will be handed to another member.`}
              </p>
            </>
          }
          confirmLabel="Delete my account"
          onConfirm={remove}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
