import type { ApiKeyScope } from "@codepark/protocol";
import { type FormEvent, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import type { ApiKey, ApiKeyCreated } from "../api/types.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Notice, Spinner } from "../ui/feedback.tsx";
import { formatDate } from "../ui/format.ts";
import { useAction, useAsync } from "../ui/use-async.ts";

type Scope = ApiKeyScope;

/** The protocol's scope list, repeated here so the bundle does not pull in the protocol's zod schemas. */
const apiKeyScopes = [
  "projects:read",
  "projects:write",
  "users:read",
  "users:write",
  "webhooks:read",
  "webhooks:write",
] as const satisfies readonly ApiKeyScope[];

export function ApiKeysSection() {
  const keys = useAsync((signal) => getAll(apiRoutes.apiKeys.list, {}, { signal }), []);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="muted">
        Keys let scripts call the API as you, limited to the scopes you choose. Send one as{" "}
        <code>Authorization: Bearer cpk_…</code>.
      </p>
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.setData((list) => [key, ...(list ?? [])]);
        }}
      />
      {created && (
        <div className="card new-key" role="status">
          <p>
            <strong>Copy your new key now — it is shown only once.</strong>
          </p>
          <code className="secret" data-testid="new-api-key">
            {created.key}
          </code>
          <div className="actions">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
              Copy key
            </button>
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {keys.loading && <Spinner label="Loading keys…" />}
      <ErrorMessage error={keys.error} />
      {keys.data?.length === 0 && <p className="muted">No API keys yet.</p>}
      <ul className="session-list">
        {(keys.data ?? []).map((key) => (
          <li key={key.id} className="session-item">
            <div>
              <strong>{key.name}</strong> <code>{key.prefix}…</code>
              <p className="muted">
                {key.scopes.join(", ")} · created {formatDate(key.createdAt)} · last used{" "}
                {formatDate(key.lastUsedAt)}
              </p>
            </div>
            <button type="button" className="danger-link" onClick={() => setRevoking(key)}>
              Revoke<span className="visually-hidden"> {key.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          message={<p>Anything using this key stops working at once.</p>}
          confirmLabel="Revoke key"
          onConfirm={async () => {
            await call(apiRoutes.apiKeys.revoke, { params: { id: revoking.id } });
            keys.setData((list) => list?.filter((item) => item.id !== revoking.id));
            if (created?.id === revoking.id) setCreated(null);
          }}
          onClose={() => setRevoking(null)}
        />
      )}
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: ApiKeyCreated) => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["projects:read"]);
  const create = useAction(async () => {
    const key = await call(apiRoutes.apiKeys.create, { body: { name, scopes } });
    setName("");
    onCreated(key);
    return key;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  const toggle = (scope: Scope, on: boolean) =>
    setScopes((current) => (on ? [...current, scope] : current.filter((item) => item !== scope)));
  return (
    <form onSubmit={submit} className="create-key">
      <label htmlFor="key-name">Key name</label>
      <input
        id="key-name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        required
        maxLength={100}
        placeholder="CI deploy script"
      />
      <fieldset>
        <legend>Scopes</legend>
        <div className="scopes">
          {apiKeyScopes.map((scope) => (
            <label key={scope} className="checkbox">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) => toggle(scope, event.target.checked)}
              />
              {scope}
            </label>
          ))}
        </div>
      </fieldset>
      {scopes.length === 0 && <Notice>Choose at least one scope.</Notice>}
      <ErrorMessage error={create.error} />
      <button type="submit" className="primary" disabled={create.busy || scopes.length === 0}>
        {create.busy ? "Creating…" : "Create key"}
      </button>
    </form>
  );
}
