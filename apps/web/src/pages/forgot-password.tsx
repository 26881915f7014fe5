import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { Link } from "../router.tsx";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/** Asks for a reset link. The server answers the same for any address, and so does this page. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = useAction(async () => {
    await call(apiRoutes.auth.forgotPassword, { body: { email } });
    setSentTo(email);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void request.run();
  };
  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="forgot-title">
        <h1 id="forgot-title">Reset your password</h1>
        {sentTo ? (
          <Notice>
            If an account uses <strong>{sentTo}</strong>, a link to choose a new password is on its way. It
            works once, for 30 minutes.
          </Notice>
        ) : (
          <>
            <p className="muted">Enter the email address of your account: we will send you a link.</p>
            <label htmlFor="email">Email</label>
            <input
              id="email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              required
            />
            <ErrorMessage error={request.error} />
            <button type="submit" className="primary" disabled={request.busy}>
              {request.busy ? "Sending…" : "Send me a link"}
            </button>
          </>
        )}
        <p className="muted">
          <Link href="/sign-in">Back to sign in</Link>
        </p>
      </form>
    </main>
  );
}
