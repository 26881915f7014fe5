import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { ErrorMessage } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/** Names the current state of a file (a named version). */
export function NameVersionForm({
  params,
  onNamed,
}: {
  params: { id: string; fileId: string };
  onNamed: () => void;
}) {
  const [name, setName] = useState("");
  const save = useAction(async () => {
    const version = await call(apiRoutes.versions.create, { params, body: { name } });
    setName("");
    onNamed();
    return version;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  return (
    <form className="name-version" onSubmit={submit}>
      <label htmlFor="version-name">Name the current state</label>
      <div className="form-row">
        <input
          id="version-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="e.g. Before refactoring"
          maxLength={200}
          required
        />
        <button type="submit" disabled={save.busy || !name.trim()}>
          {save.busy ? "Saving…" : "Save version"}
        </button>
      </div>
      <ErrorMessage error={save.error} />
    </form>
  );
}
