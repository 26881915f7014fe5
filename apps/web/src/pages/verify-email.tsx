import { useEffect, useRef, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { updateUser } from "../api/session.ts";
import { useSession } from "../api/use-session.ts";
import { Link, useLocation } from "../router.tsx";
import { ErrorMessage, Notice, Spinner } from "../ui/feedback.tsx";

type State = { step: "verifying" } | { step: "done" } | { step: "failed"; error: unknown };

/**
 * The page a verification link opens (signed in or not): it spends the link's token once, then,
 * when this browser is signed in, refreshes the account it shows.
 */
export function VerifyEmailPage() {
  const token = useLocation().query.get("token") ?? "";
  const session = useSession();
  const [state, setState] = useState<State>({ step: "verifying" });
  // A link works once: the request must not go twice (React runs effects twice in development).
  const sent = useRef(false);

  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    if (!token) {
      setState({ step: "failed", error: new Error("This page needs the link from your email.") });
      return;
    }
    call(apiRoutes.auth.verifyEmail, { body: { token } }).then(
      async () => {
        setState({ step: "done" });
        if (session) updateUser(await call(apiRoutes.account.me).catch(() => session.user));
      },
      (error: unknown) => setState({ step: "failed", error }),
    );
  }, [token, session]);

  return (
    <main className="auth-page">
      <section className="card auth-card" aria-labelledby="verify-title">
        <h1 id="verify-title">Verify your email address</h1>
        {state.step === "verifying" && <Spinner label="Verifying…" />}
        {state.step === "done" && <Notice>Your email address is verified.</Notice>}
        {state.step === "failed" && (
          <>
            <ErrorMessage error={state.error} />
            {session && (
              <p>
                Send a new link from <Link href="/settings/profile">your profile</Link>.
              </p>
            )}
          </>
        )}
        {state.step !== "verifying" && (
          <p>{session ? <Link href="/">Go to your projects</Link> : <Link href="/sign-in">Sign in</Link>}</p>
        )}
      </section>
    </main>
  );
}
