import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import { sessionFrom, setSession, takeEndedNotice } from "../api/session.ts";
import { Link, useLocation } from "../router.tsx";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { OidcButton } from "./oidc-button.tsx";
import { SecondFactorField } from "./second-factor-field.tsx";

type Step = "password" | "otp" | "recovery";

export function SignInPage() {
  const { query } = useLocation();
  const next = query.get("next");
  const [notice] = useState(takeEndedNotice);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<Step>("password");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: { email: string; password: string; otp?: string; recoveryCode?: string } = {
      email,
      password,
    };
    if (step === "otp") body.otp = code.replace(/\s/g, "");
    if (step === "recovery") body.recoveryCode = code.trim();
    try {
      const result = await call(apiRoutes.auth.login, { body });
      setSession(sessionFrom(result)); // the app then returns to `next`
    } catch (failure) {
      if (failure instanceof ProblemError && failure.code === "mfa_required" && step === "password") {
        setStep("otp");
      } else {
        setError(failure);
      }
      setBusy(false);
    }
  };

  const signUpHref = next ? `/sign-up?next=${encodeURIComponent(next)}` : "/sign-up";
  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to CodePark</h1>
        {notice && <Notice>{notice}</Notice>}
        {step === "password" ? (
          <>
            <label htmlFor="email">Email</label>
            <input
              id="email"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              required
            />
            <label htmlFor="password">Password</label>
            <input
              id="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              required
            />
          </>
        ) : (
          <>
            <p>
              Two-factor authentication is on for <strong>{email}</strong>.{" "}
              {step === "otp"
                ? "Enter the 6-digit code from your authenticator app."
                : "Enter one of the recovery codes you saved when you turned 2FA on. Each works once."}
            </p>
            <SecondFactorField
              kind={step}
              value={code}
              onChange={setCode}
              onSwitch={(kind) => {
                setStep(kind);
                setCode("");
                setError(null);
              }}
            />
          </>
        )}
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : step === "password" ? "Sign in" : "Verify"}
        </button>
        {step !== "password" && (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setStep("password");
              setCode("");
              setError(null);
            }}
          >
            Back
          </button>
        )}
        {step === "password" && <OidcButton next={next} />}
        <p className="muted">
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
        <p className="muted">
          New here? <Link href={signUpHref}>Create an account</Link>
        </p>
      </form>
    </main>
  );
}
