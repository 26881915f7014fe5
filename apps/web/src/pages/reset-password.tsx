import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import { getSession, setSession } from "../api/session.ts";
import { Link, useLocation } from "../router.tsx";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/** The page a reset link opens: a new password, set with the link's token. */
export function ResetPasswordPage() {
  const token = useLocation().query.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const reset = useAction(async () => {
    await call(apiRoutes.auth.resetPassword, { body: { token, newPassword: password } });
    // Every session was signed out, this browser's too.
    if (getSession()) setSession(null);
    setDone(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setMismatch(password !== repeat);
    if (password === repeat) void reset.run();
  };
  const deadLink = reset.error instanceof ProblemError && reset.error.code === "invalid_token";

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        {done ? (
          <>
            <Notice>
              Your password is changed. Every device was signed out: sign in with the new password.
            </Notice>
            <p>
              <Link href="/sign-in">Sign in</Link>
            </p>
          </>
        ) : !token ? (
          <p>
            This page needs the link from your email. <Link href="/forgot-password">Ask for a new link</Link>.
          </p>
        ) : (
          <>
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              aria-describedby="new-password-hint"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
            />
            <p id="new-password-hint" className="hint">
              10–128 characters; a passphrase of a few words works well.
            </p>
            <label htmlFor="repeat-password">New password again</label>
            <input
              id="repeat-password"
              type="password"
              autoComplete="new-password"
              value={repeat}
              onChange={(event) => setRepeat(event.target.value)}
              required
            />
            {mismatch && <ErrorMessage error={new Error("The two passwords are not the same.")} />}
            <ErrorMessage error={reset.error} />
            {deadLink && (
              <p>
                <Link href="/forgot-password">Ask for a new link</Link>
              </p>
            )}
            <button type="submit" className="primary" disabled={reset.busy}>
              {reset.busy ? "Saving…" : "Set new password"}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
