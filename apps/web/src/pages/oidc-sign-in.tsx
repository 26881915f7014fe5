import { type FormEvent, useEffect, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import { sessionFrom, setSession } from "../api/session.ts";
import { Link, useLocation } from "../router.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { SecondFactorField } from "./second-factor-field.tsx";

type Step = "exchanging" | "otp" | "recovery" | "failed";

/** Why the server sent the browser back without a code (the `error` problem code), in words. */
const REASONS: Record<string, string> = {
  oidc_state_invalid:
    "This sign-in was not started in this browser, or took longer than 10 minutes. Please try again.",
  oidc_failed:
    "Your identity provider's answer could not be accepted (the sign-in may have been cancelled). Please try again.",
  oidc_unavailable:
    "Your identity provider cannot be reached right now. Try again later, or sign in with your password.",
  oidc_email_unverified:
    "Your identity provider has not verified your email address, so it cannot sign you in to CodePark.",
  oidc_link_refused:
    "A CodePark account with this email already exists, but its email address is not verified. Sign in with your password and verify your email first; then single sign-on will work.",
};
const FALLBACK = "Sign-in with your identity provider did not complete. Please try again.";

/**
 * Where the server sends the browser after the identity provider: trades the one-time code for a
 * session (asking for the second factor when 2FA is on), then the app returns to `next`.
 */
export function OidcSignInPage() {
  const { query } = useLocation();
  const code = query.get("code");
  const reason = query.get("error");
  const next = query.get("next");
  const [step, setStep] = useState<Step>(code && !reason ? "exchanging" : "failed");
  const [factor, setFactor] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(
    code && !reason ? null : new Error((reason && REASONS[reason]) ?? FALLBACK),
  );
  // The code works once: a second effect run (StrictMode, a re-render) must not spend it again.
  const started = useRef(false);

  const exchange = async (second?: { otp?: string; recoveryCode?: string }) => {
    if (!code) return;
    setBusy(true);
    setError(null);
    try {
      const result = await call(apiRoutes.oidc.exchange, { body: { code, ...second } });
      setSession(sessionFrom(result)); // the app then returns to `next`
    } catch (failure) {
      if (failure instanceof ProblemError && failure.code === "mfa_required") setStep("otp");
      else {
        setStep("failed");
        setError(failure);
      }
      setBusy(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, for the code in the URL
  useEffect(() => {
    if (started.current || step !== "exchanging") return;
    started.current = true;
    void exchange();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void exchange(step === "otp" ? { otp: factor.replace(/\s/g, "") } : { recoveryCode: factor.trim() });
  };

  const signInHref = next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in";
  if (step === "exchanging") {
    return (
      <main className="auth-page">
        <Spinner label="Signing in…" />
      </main>
    );
  }
  if (step === "failed") {
    return (
      <main className="auth-page">
        <section className="card auth-card" aria-labelledby="oidc-title">
          <h1 id="oidc-title">Sign-in did not complete</h1>
          <ErrorMessage error={error} />
          <p>
            <Link href={signInHref}>Back to sign in</Link>
          </p>
        </section>
      </main>
    );
  }
  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="oidc-title">
        <h1 id="oidc-title">Two-factor authentication</h1>
        <p>
          {step === "otp"
            ? "Two-factor authentication is on for your account. Enter the 6-digit code from your authenticator app."
            : "Enter one of the recovery codes you saved when you turned 2FA on. Each works once."}
        </p>
        <SecondFactorField
          kind={step}
          value={factor}
          onChange={setFactor}
          onSwitch={(kind) => {
            setStep(kind);
            setFactor("");
          }}
        />
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Verify"}
        </button>
      </form>
    </main>
  );
}
