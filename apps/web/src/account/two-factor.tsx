import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { updateUser } from "../api/session.ts";
import type { TwoFactorSetup } from "../api/types.ts";
import { useSession } from "../api/use-session.ts";
import { ErrorMessage, Notice } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

export function TwoFactorSection() {
  const session = useSession();
  const enabled = session?.user.twoFactorEnabled ?? false;
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const begin = useAction(async () => {
    const result = await call(apiRoutes.auth.twoFactorSetup);
    setSetup(result);
    return result;
  });

  const refreshUser = async () => updateUser(await call(apiRoutes.account.me));

  return (
    <section className="card" aria-labelledby="twofa-title">
      <h2 id="twofa-title">Two-factor authentication</h2>
      {codes ? (
        <RecoveryCodesView codes={codes} onDone={() => setCodes(null)} />
      ) : enabled ? (
        <DisableForm onDisabled={refreshUser} />
      ) : setup ? (
        <EnableForm
          setup={setup}
          onCancel={() => setSetup(null)}
          onEnabled={async (recovery) => {
            setSetup(null);
            setCodes(recovery);
            await refreshUser();
          }}
        />
      ) : (
        <>
          <p>
            Two-factor authentication is <strong>off</strong>. Turn it on to ask for a code from an
            authenticator app each time you sign in.
          </p>
          <ErrorMessage error={begin.error} />
          <button type="button" className="primary" onClick={() => void begin.run()} disabled={begin.busy}>
            {begin.busy ? "Preparing…" : "Set up two-factor authentication"}
          </button>
        </>
      )}
    </section>
  );
}

function EnableForm({
  setup,
  onCancel,
  onEnabled,
}: {
  setup: TwoFactorSetup;
  onCancel: () => void;
  onEnabled: (codes: string[]) => Promise<void>;
}) {
  const [code, setCode] = useState("");
  const enable = useAction(async () => {
    const result = await call(apiRoutes.auth.twoFactorEnable, { body: { code: code.replace(/\s/g, "") } });
    await onEnabled(result.recoveryCodes);
    return result;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void enable.run();
  };
  return (
    <form onSubmit={submit} className="twofa-setup">
      <ol>
        <li>Scan this QR code with an authenticator app (or type the key below).</li>
        <li>Enter the 6-digit code the app shows to confirm.</li>
      </ol>
      <img className="qr" src={setup.qrCodeDataUrl} alt="QR code to add CodePark to an authenticator app" />
      <p>
        Key: <code data-testid="totp-secret">{setup.secret}</code>
      </p>
      <label htmlFor="enable-code">Code from the app</label>
      <input
        id="enable-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => setCode(event.target.value)}
        required
      />
      <ErrorMessage error={enable.error} />
      <div className="actions">
        <button type="button" onClick={onCancel} disabled={enable.busy}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={enable.busy}>
          {enable.busy ? "Turning on…" : "Turn on 2FA"}
        </button>
      </div>
    </form>
  );
}

function RecoveryCodesView({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div>
      <Notice>Two-factor authentication is on.</Notice>
      <p>
        <strong>Save these recovery codes now.</strong> Each one signs you in once if you lose your
        authenticator. They are shown only this once.
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(codes.join("\n"))}>
        Copy codes
      </button>{" "}
      <button type="button" className="primary" onClick={onDone}>
        I have saved them
      </button>
    </div>
  );
}

function DisableForm({ onDisabled }: { onDisabled: () => Promise<void> }) {
  const [code, setCode] = useState("");
  const disable = useAction(async () => {
    await call(apiRoutes.auth.twoFactorDisable, { body: { code: code.trim() } });
    setCode("");
    await onDisabled();
    return true;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void disable.run();
  };
  return (
    <form onSubmit={submit}>
      <p>
        Two-factor authentication is <strong>on</strong>. Signing in asks for a code from your authenticator
        app (or a recovery code).
      </p>
      <label htmlFor="disable-code">Authenticator or recovery code</label>
      <input
        id="disable-code"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => setCode(event.target.value)}
        required
      />
      <ErrorMessage error={disable.error} />
      <button type="submit" className="danger" disabled={disable.busy}>
        {disable.busy ? "Turning off…" : "Turn off 2FA"}
      </button>
    </form>
  );
}
