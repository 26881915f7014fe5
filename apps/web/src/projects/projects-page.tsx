import { type FormEvent, useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { Project } from "../api/types.ts";
import { Link, navigate } from "../router.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";

export function ProjectsPage() {
  const [pages, setPages] = useState<Project[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useAsync(async (signal) => {
    const page = await call(apiRoutes.projects.list, { query: { limit: 50 } }, { signal });
    setPages(page.items);
    setCursor(page.nextCursor);
    return page;
  }, []);
  const more = useAction(async () => {
    const page = await call(apiRoutes.projects.list, { query: { limit: 50, cursor: cursor! } });
    setPages((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  });

  return (
    <section className="projects">
      <div className="section-head">
        <h1>Projects</h1>
      </div>
      <CreateProject />
      {first.loading && <Spinner label="Loading projects…" />}
      <ErrorMessage error={first.error} />
      {!first.loading && !first.error && pages.length === 0 && (
        <p className="muted">No projects yet. Create one above to start editing.</p>
      )}
      <ul className="project-list">
        {pages.map((project) => (
          <li key={project.id} className="card project-item">
            <Link href={`/projects/${project.id}`} className="project-name">
              {project.name}
            </Link>
            <span className="badge">{project.visibility}</span>
            {project.role && <span className="badge">{project.role}</span>}
            {project.description && <p className="muted">{project.description}</p>}
            <Link href={`/projects/${project.id}/settings`} className="project-settings-link">
              Settings<span className="visually-hidden"> for {project.name}</span>
            </Link>
          </li>
        ))}
      </ul>
      <ErrorMessage error={more.error} />
      {cursor && (
        <button type="button" onClick={() => void more.run()} disabled={more.busy}>
          {more.busy ? "Loading…" : "Show more projects"}
        </button>
      )}
    </section>
  );
}

function CreateProject() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [visibility, setVisibility] = useState<"private" | "public">("private");
  const create = useAction(async () => {
    const project = await call(apiRoutes.projects.create, { body: { name, description, visibility } });
    navigate(`/projects/${project.id}`);
    return project;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <form className="card create-project" onSubmit={submit} aria-labelledby="create-project-title">
      <h2 id="create-project-title">New project</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor="project-name">Name</label>
          <input
            id="project-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={100}
          />
        </div>
        <div className="field grow">
          <label htmlFor="project-description">Description (optional)</label>
          <input
            id="project-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            maxLength={2000}
          />
        </div>
        <div className="field">
          <label htmlFor="project-visibility">Visibility</label>
          <select
            id="project-visibility"
            value={visibility}
            onChange={(event) => setVisibility(event.target.value as "private" | "public")}
          >
            <option value="private">Private (members only)</option>
            <option value="public">Public (anyone signed in can read)</option>
          </select>
        </div>
        <button type="submit" className="primary" disabled={create.busy}>
          {create.busy ? "Creating…" : "Create project"}
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
