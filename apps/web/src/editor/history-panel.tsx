import { useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import type { FileInfo, Version, VersionWithContent } from "../api/types.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { formatBytes, formatDate } from "../ui/format.ts";
import { useAction, useAsync } from "../ui/use-async.ts";
import { NameVersionForm } from "./name-version-form.tsx";
import { VersionDiff } from "./version-diff.tsx";

const KIND_LABELS = {
  auto: "Automatic checkpoint",
  named: "Named version",
  restore: "Saved before a restore",
};

/** A file's version history: list, view one against the current text, name the current state, restore. */
export function HistoryPanel({
  projectId,
  file,
  readOnly,
  onClose,
}: {
  projectId: string;
  file: FileInfo;
  readOnly: boolean;
  onClose: () => void;
}) {
  const fileId = file.id;
  const params = { id: projectId, fileId };
  const fetchPage = (cursor?: string, signal?: AbortSignal) =>
    call(apiRoutes.versions.list, { params, query: { limit: 50, cursor } }, { signal });
  const [versions, setVersions] = useState<Version[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<VersionWithContent | null>(null);
  const list = useAsync(
    async (signal) => {
      const page = await fetchPage(undefined, signal);
      setVersions(page.items);
      setCursor(page.nextCursor);
      return page;
    },
    [projectId, fileId],
  );
  const more = useAction(async () => {
    const page = await fetchPage(cursor!);
    setVersions((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
    return page;
  });
  const selected = useAsync(
    (signal) =>
      selectedId
        ? call(apiRoutes.versions.get, { params: { ...params, versionId: selectedId } }, { signal })
        : Promise.resolve(undefined),
    [projectId, fileId, selectedId],
  );
  return (
    <section className="history-panel" aria-labelledby="history-title">
      <div className="panel-head">
        <h2 id="history-title">History · {file.path}</h2>
        <button type="button" onClick={onClose} aria-label="Close history">
          Close
        </button>
      </div>
      {!readOnly && <NameVersionForm params={params} onNamed={list.reload} />}
      {list.loading && <Spinner label="Loading versions…" />}
      <ErrorMessage error={list.error} />
      {!list.loading && versions.length === 0 && !list.error && (
        <p className="muted">
          No versions yet. Versions are saved automatically while people edit, or name one above.
        </p>
      )}
      <ol className="version-list" aria-label="Versions, newest first">
        {versions.map((version) => (
          <li key={version.id}>
            <button
              type="button"
              className="version-item"
              aria-current={version.id === selectedId ? "true" : undefined}
              onClick={() => setSelectedId(version.id)}
            >
              <span className="version-name">{version.name ?? KIND_LABELS[version.kind]}</span>
              <span className="muted">
                {formatDate(version.createdAt)}
                {version.createdBy ? ` · ${version.createdBy.name}` : ""} · {formatBytes(version.size)}
              </span>
            </button>
          </li>
        ))}
      </ol>
      <ErrorMessage error={more.error} />
      {cursor && (
        <button type="button" onClick={() => void more.run()} disabled={more.busy}>
          {more.busy ? "Loading…" : "Older versions"}
        </button>
      )}
      {selectedId && (
        <div className="version-view">
          {selected.loading && <Spinner label="Loading version…" />}
          <ErrorMessage error={selected.error} />
          {selected.data && (
            <>
              <div className="version-view-head">
                <p>
                  <strong>{selected.data.name ?? KIND_LABELS[selected.data.kind]}</strong> (left) compared
                  with the current text (right)
                </p>
                {!readOnly && (
                  <button
                    type="button"
                    className="primary"
                    onClick={() => setRestoring(selected.data ?? null)}
                  >
                    Restore this version
                  </button>
                )}
              </div>
              <CurrentDiff projectId={projectId} file={file} version={selected.data} />
            </>
          )}
        </div>
      )}
      {restoring && (
        <ConfirmDialog
          title="Restore this version?"
          message={
            <p>
              The file's text becomes this version's for everyone editing it. The current text is saved as a
              version first, so this can be undone.
            </p>
          }
          confirmLabel="Restore"
          onConfirm={async () => {
            await call(apiRoutes.versions.restore, { params: { ...params, versionId: restoring.id } });
            list.reload();
          }}
          onClose={() => setRestoring(null)}
        />
      )}
    </section>
  );
}

function CurrentDiff({
  projectId,
  file,
  version,
}: {
  projectId: string;
  file: FileInfo;
  version: VersionWithContent;
}) {
  // The live text when the file is open in a tab (VersionDiff follows it); otherwise the server's.
  const current = useAsync(
    (signal) => call(apiRoutes.files.get, { params: { id: projectId, fileId: file.id } }, { signal }),
    [projectId, file.id],
  );
  if (current.loading) return <Spinner label="Loading the current text…" />;
  if (!current.data) return <ErrorMessage error={current.error} />;
  return (
    <VersionDiff
      fileId={file.id}
      language={file.language}
      original={version.content}
      fallback={current.data.content}
    />
  );
}
