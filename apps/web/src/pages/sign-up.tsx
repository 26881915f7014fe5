import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { sessionFrom, setSession } from "../api/session.ts";
import { Link, useLocation } from "../router.tsx";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { OidcButton } from "./oidc-button.tsx";

/**
 * Sign-up answers the same whether or not the address is taken (docs/accounts.md), so the page
 * registers, then signs in with the same credentials. When that sign-in fails the address was
 * taken (its owner has been emailed): the page says to check the mailbox, nothing more.
 */
export function SignUpPage() {
  const { query } = useLocation();
  const next = query.get("next");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [checkEmail, setCheckEmail] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(apiRoutes.auth.register, { body: { name, email, password } });
    } catch (failure) {
      setError(failure);
      setBusy(false);
      return;
    }
    try {
      const result = await call(apiRoutes.auth.login, { body: { email, password } });
      setSession(sessionFrom(result)); // the app then goes on to `next`
    } catch {
      setCheckEmail(email);
      setBusy(false);
    }
  };

  const signInHref = next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in";
  if (checkEmail) {
    return (
      <main className="auth-page">
        <section className="card auth-card" aria-labelledby="check-email-title">
          <h1 id="check-email-title">Check your email</h1>
          <Notice>
            We sent a message to <strong>{checkEmail}</strong>. It tells you what to do next.
          </Notice>
          <p>
            If you already have an account with this address, <Link href={signInHref}>sign in</Link> or{" "}
            <Link href="/forgot-password">reset your password</Link>.
          </p>
        </section>
      </main>
    );
  }
  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-up-title">
        <h1 id="sign-up-title">Create your CodePark account</h1>
        <label htmlFor="name">Name</label>
        <input
          id="name"
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={100}
        />
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          required
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="new-password"
          aria-describedby="password-hint"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
        <p id="password-hint" className="hint">
          10–128 characters; a passphrase of a few words works well.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </button>
        <OidcButton next={next} />
        <p className="muted">
          Already have an account? <Link href={signInHref}>Sign in</Link>
        </p>
      </form>
    </main>
  );
}
