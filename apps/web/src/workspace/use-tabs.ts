import { useCallback, useEffect, useState } from "react";
import type { FileInfo } from "../api/types.ts";
import { navigate } from "../router.tsx";

/** Open tabs and the active one; the active file is in the URL (?file=…) so a reload or a return after sign-in reopens it. */
export function useTabs(projectId: string, files: FileInfo[], loaded: boolean, initialFileId: string | null) {
  const [openIds, setOpenIds] = useState<string[]>(initialFileId ? [initialFileId] : []);
  const [activeId, setActiveId] = useState<string | null>(initialFileId);

  // Files deleted (here or by someone else) close their tabs.
  useEffect(() => {
    if (!loaded) return;
    const exists = new Set(files.map((file) => file.id));
    setOpenIds((ids) => (ids.every((id) => exists.has(id)) ? ids : ids.filter((id) => exists.has(id))));
  }, [files, loaded]);

  useEffect(() => {
    if (activeId && !openIds.includes(activeId)) setActiveId(openIds.at(-1) ?? null);
  }, [openIds, activeId]);

  useEffect(() => {
    const url = activeId
      ? `/projects/${projectId}?file=${encodeURIComponent(activeId)}`
      : `/projects/${projectId}`;
    navigate(url, { replace: true });
  }, [projectId, activeId]);

  const open = useCallback((fileId: string) => {
    setOpenIds((ids) => (ids.includes(fileId) ? ids : [...ids, fileId]));
    setActiveId(fileId);
  }, []);

  const close = useCallback((fileId: string) => {
    setOpenIds((ids) => {
      const index = ids.indexOf(fileId);
      const next = ids.filter((id) => id !== fileId);
      setActiveId((active) =>
        active === fileId ? (next[Math.min(index, next.length - 1)] ?? null) : active,
      );
      return next;
    });
  }, []);

  const byId = new Map(files.map((file) => [file.id, file]));
  const openFiles = openIds.map((id) => byId.get(id)).filter((file): file is FileInfo => Boolean(file));
  return {
    openFiles,
    activeId: activeId && byId.has(activeId) ? activeId : null,
    open,
    close,
    setActive: setActiveId,
  };
}
