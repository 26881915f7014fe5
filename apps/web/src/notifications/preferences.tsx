import { type FormEvent, useCallback, useEffect, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { NotificationChannel, NotificationKind, NotificationPreferences } from "../api/types.ts";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";
import { KIND_LABELS, KINDS } from "./kinds.ts";
import {
  CHANNELS,
  DIGESTS,
  digestOptions,
  isDirty,
  isOn,
  preferencesBody,
  toggleChannel,
  withDigest,
} from "./preferences-model.ts";
import { disablePush, enablePush, type PushState, pushState } from "./push.ts";
import "../styles/notifications.css";

/** Settings → Notifications: which kinds reach you by email and push, the digest, this browser's push. */
export function NotificationSettings() {
  return (
    <>
      <PreferencesSection />
      <BrowserPushSection />
    </>
  );
}

function PreferencesSection() {
  const saved = useAsync((signal) => call(apiRoutes.notifications.getPreferences, {}, { signal }), []);
  const [draft, setDraft] = useState<NotificationPreferences | null>(null);
  const [savedNow, setSavedNow] = useState(false);
  useEffect(() => {
    if (saved.data) setDraft(saved.data);
  }, [saved.data]);
  const save = useAction(async () => {
    if (!draft) return;
    const result = await call(apiRoutes.notifications.updatePreferences, { body: preferencesBody(draft) });
    saved.setData(() => result);
    setSavedNow(true);
  });
  const dirty = isDirty(draft, saved.data);

  const toggle = (kind: NotificationKind, channel: NotificationChannel, on: boolean) => {
    setSavedNow(false);
    setDraft((current) => current && toggleChannel(current, kind, channel, on));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const digests = draft ? digestOptions(draft.emailDigestMinutes) : DIGESTS;

  return (
    <section className="card" aria-labelledby="notification-prefs-title">
      <h2 id="notification-prefs-title">Notifications</h2>
      <p className="muted">
        Everything appears in your inbox (the bell at the top). Choose what also reaches you by email, and as
        a browser notification on the browsers where you turn those on below.
      </p>
      {saved.loading && <Spinner label="Loading your preferences…" />}
      <ErrorMessage error={saved.error} />
      {draft && (
        <form onSubmit={submit}>
          <table className="table preferences-table">
            <caption className="visually-hidden">Where each kind of notification reaches you</caption>
            <thead>
              <tr>
                <th scope="col">Notify me when</th>
                {CHANNELS.map((channel) => (
                  <th key={channel.id} scope="col">
                    {channel.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {KINDS.map((kind) => (
                <tr key={kind}>
                  <th scope="row">
                    {KIND_LABELS[kind].label}
                    <span className="kind-hint">{KIND_LABELS[kind].hint}</span>
                  </th>
                  {CHANNELS.map((channel) => (
                    <td key={channel.id}>
                      <input
                        type="checkbox"
                        aria-label={`${channel.label}: ${KIND_LABELS[kind].label}`}
                        checked={isOn(draft, kind, channel.id)}
                        onChange={(event) => toggle(kind, channel.id, event.target.checked)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div className="field digest">
            <label htmlFor="email-digest">Email digest</label>
            <select
              id="email-digest"
              value={draft.emailDigestMinutes}
              onChange={(event) => {
                setSavedNow(false);
                setDraft(withDigest(draft, Number(event.target.value)));
              }}
            >
              {digests.map((option) => (
                <option key={option.minutes} value={option.minutes}>
                  {option.label}
                </option>
              ))}
            </select>
            <p className="hint">A digest collects the emails of that period into one.</p>
          </div>
          <ErrorMessage error={save.error} />
          <div className="actions">
            <span className="saved" role="status">
              {savedNow && !dirty ? "Saved." : ""}
            </span>
            <button type="submit" className="primary" disabled={!dirty || save.busy}>
              {save.busy ? "Saving…" : "Save preferences"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function BrowserPushSection() {
  const [state, setState] = useState<PushState | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const refresh = useCallback(() => {
    pushState().then(setState, (failure: unknown) => setCheckError(failure));
  }, []);
  useEffect(refresh, [refresh]);
  const enable = useAction(async () => {
    await enablePush();
    refresh();
  });
  const disable = useAction(async () => {
    await disablePush();
    refresh();
  });
  const busy = enable.busy || disable.busy;

  return (
    <section className="card" aria-labelledby="push-title">
      <h2 id="push-title">Browser notifications</h2>
      <p className="muted">
        Notifications on this device even when CodePark is not open, for the kinds switched on under “Browser”
        above.
      </p>
      <ErrorMessage error={checkError} />
      {!state && !checkError && <Spinner label="Checking this browser…" />}
      {state?.kind === "unsupported" && <p>{state.reason}</p>}
      {state?.kind === "denied" && (
        <p>
          Your browser blocks notifications from CodePark. Allow them in this site's settings (next to the
          address), then reload this page.
        </p>
      )}
      {state?.kind === "off" && (
        <div className="push-state">
          <span role="status">Off on this browser.</span>
          <button type="button" className="primary" onClick={() => void enable.run()} disabled={busy}>
            {enable.busy ? "Enabling…" : "Enable browser notifications"}
          </button>
        </div>
      )}
      {state?.kind === "on" && (
        <div className="push-state">
          <span role="status">On for this browser.</span>
          <button type="button" onClick={() => void disable.run()} disabled={busy}>
            {disable.busy ? "Turning off…" : "Turn off browser notifications"}
          </button>
        </div>
      )}
      <ErrorMessage error={enable.error} onDismiss={enable.clearError} />
      <ErrorMessage error={disable.error} onDismiss={disable.clearError} />
    </section>
  );
}
