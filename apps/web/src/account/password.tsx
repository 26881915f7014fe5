import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/** Change the password: the current one, then a new one. Other devices are signed out. */
export function PasswordSection() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [changed, setChanged] = useState(false);
  const change = useAction(async () => {
    await call(apiRoutes.account.changePassword, { body: { currentPassword: current, newPassword: next } });
    setCurrent("");
    setNext("");
    setChanged(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChanged(false);
    void change.run();
  };
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit} className="stack-form">
        <label htmlFor="current-password">Current password</label>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(event) => setCurrent(event.target.value)}
          required
        />
        <label htmlFor="new-password">New password</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          aria-describedby="new-password-hint"
          value={next}
          onChange={(event) => setNext(event.target.value)}
          required
        />
        <p id="new-password-hint" className="hint">
          10–128 characters. Every other device signed in to your account is signed out.
        </p>
        <ErrorMessage error={change.error} />
        {changed && <Notice>Your password is changed. Your other devices were signed out.</Notice>}
        <div>
          <button type="submit" className="primary" disabled={change.busy}>
            {change.busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}
