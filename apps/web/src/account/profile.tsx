import { type FormEvent, useEffect, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { updateUser } from "../api/session.ts";
import { useSession } from "../api/use-session.ts";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/** Name (changes at once) and email (needs the password; changes once the new address is verified). */
export function ProfileSection() {
  const session = useSession();
  // The stored account may be older than the server's (verified in another browser): read it afresh.
  useEffect(() => {
    call(apiRoutes.account.me).then(updateUser, () => undefined);
  }, []);
  if (!session) return null;
  return (
    <>
      <NameForm current={session.user.name} />
      <EmailForm current={session.user.email} verified={session.user.emailVerified} />
    </>
  );
}

function NameForm({ current }: { current: string }) {
  const [name, setName] = useState(current);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const result = await call(apiRoutes.account.updateMe, { body: { name } });
    updateUser(result.user);
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void save.run();
  };
  return (
    <section className="card" aria-labelledby="name-title">
      <h2 id="name-title">Your name</h2>
      <form onSubmit={submit} className="stack-form">
        <label htmlFor="profile-name">Name</label>
        <input
          id="profile-name"
          autoComplete="name"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
          required
        />
        <ErrorMessage error={save.error} />
        {saved && <Notice>Your name is saved.</Notice>}
        <div>
          <button type="submit" className="primary" disabled={save.busy || name.trim() === current}>
            {save.busy ? "Saving…" : "Save name"}
          </button>
        </div>
      </form>
    </section>
  );
}

function EmailForm({ current, verified }: { current: string; verified: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState<string | null>(null);
  const change = useAction(async () => {
    const result = await call(apiRoutes.account.updateMe, { body: { email, currentPassword: password } });
    updateUser(result.user);
    setPending(result.pendingEmail);
    setEmail("");
    setPassword("");
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPending(null);
    void change.run();
  };
  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <p>
        Your account uses <strong>{current}</strong>{" "}
        {verified ? <span className="badge">verified</span> : <span className="badge">not verified</span>}
      </p>
      <form onSubmit={submit} className="stack-form">
        <label htmlFor="profile-email">New email address</label>
        <input
          id="profile-email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          required
        />
        <label htmlFor="profile-email-password">Current password</label>
        <input
          id="profile-email-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
        <p className="hint">
          We send a link to the new address; your account moves there once you follow it. Your current address
          is told about the change.
        </p>
        <ErrorMessage error={change.error} />
        {pending && (
          <Notice>
            Check <strong>{pending}</strong> for a link to confirm it. Until then your account keeps using{" "}
            {current}.
          </Notice>
        )}
        <div>
          <button type="submit" className="primary" disabled={change.busy}>
            {change.busy ? "Sending…" : "Change email"}
          </button>
        </div>
      </form>
    </section>
  );
}
