import { type FormEvent, useEffect, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { Project } from "../api/types.ts";
import { Link, navigate } from "../router.tsx";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Notice, Spinner } from "../ui/feedback.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";
import { MembersSection } from "./members-section.tsx";

export function ProjectSettingsPage({ projectId }: { projectId: string }) {
  const project = useAsync(
    (signal) => call(apiRoutes.projects.get, { params: { id: projectId } }, { signal }),
    [projectId],
  );
  if (project.loading && !project.data) return <Spinner label="Loading project…" />;
  if (!project.data) return <ErrorMessage error={project.error} />;
  const isOwner = project.data.role === "owner";
  return (
    <section className="project-settings">
      <p>
        <Link href={`/projects/${projectId}`}>← Back to {project.data.name}</Link>
      </p>
      <h1>Settings · {project.data.name}</h1>
      {!isOwner && (
        <Notice>Only the project's owners can change these settings; you can see them read-only.</Notice>
      )}
      <DetailsForm
        project={project.data}
        canEdit={isOwner}
        onSaved={(saved) => project.setData(() => saved)}
      />
      <MembersSection projectId={projectId} canManage={isOwner} />
      {isOwner && <DangerZone project={project.data} />}
    </section>
  );
}

function DetailsForm({
  project,
  canEdit,
  onSaved,
}: {
  project: Project;
  canEdit: boolean;
  onSaved: (project: Project) => void;
}) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [visibility, setVisibility] = useState(project.visibility);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setName(project.name);
    setDescription(project.description);
    setVisibility(project.visibility);
  }, [project]);
  const save = useAction(async () => {
    const updated = await call(apiRoutes.projects.update, {
      params: { id: project.id },
      body: { name, description, visibility },
    });
    onSaved(updated);
    setSaved(true);
    return updated;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void save.run();
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <fieldset disabled={!canEdit || save.busy}>
        <label htmlFor="settings-name">Name</label>
        <input
          id="settings-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={100}
        />
        <label htmlFor="settings-description">Description</label>
        <textarea
          id="settings-description"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          maxLength={2000}
          rows={3}
        />
        <label htmlFor="settings-visibility">Visibility</label>
        <select
          id="settings-visibility"
          value={visibility}
          onChange={(event) => setVisibility(event.target.value as Project["visibility"])}
        >
          <option value="private">Private (members only)</option>
          <option value="public">Public (anyone signed in can read)</option>
        </select>
        <ErrorMessage error={save.error} />
        {saved && <Notice>Saved.</Notice>}
        {canEdit && (
          <button type="submit" className="primary">
            {save.busy ? "Saving…" : "Save changes"}
          </button>
        )}
      </fieldset>
    </form>
  );
}

function DangerZone({ project }: { project: Project }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <section className="card danger-zone" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete project</h2>
      <p>
        Deleting removes the project, its files, their history and its members' access. It cannot be undone.
      </p>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete project…
      </button>
      {confirming && (
        <ConfirmDialog
          title={`Delete ${project.name}?`}
          message={
            <p>
              This deletes <strong>{project.name}</strong> and every file in it for everyone. This cannot be
              undone.
            </p>
          }
          confirmLabel="Delete project"
          onConfirm={async () => {
            await call(apiRoutes.projects.delete, { params: { id: project.id } });
            navigate("/", { replace: true });
          }}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
