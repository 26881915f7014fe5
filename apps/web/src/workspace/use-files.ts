import { useCallback, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import type { FileInfo, FileWithContent } from "../api/types.ts";
import { useAsync } from "../ui/use-async.ts";
import { folderPathProblem, isUnder, normalisePath } from "./tree-model.ts";

function summary(file: FileInfo | FileWithContent): FileInfo {
  const { content: _content, ...rest } = file as FileWithContent;
  return rest;
}

function upsert(list: FileInfo[], file: FileInfo): FileInfo[] {
  const index = list.findIndex((item) => item.id === file.id);
  if (index < 0) return [...list, file];
  const next = [...list];
  next[index] = { ...next[index]!, ...file };
  return next;
}

/** The project's files: loaded once, changed through the API here, kept current by project events. */
export function useFiles(projectId: string) {
  const loaded = useAsync(
    (signal) => getAll(apiRoutes.files.list, { params: { id: projectId } }, { signal }),
    [projectId],
  );
  const files = loaded.data ?? [];
  const setFiles = loaded.setData;
  /** Folders created here that hold no file yet. */
  const [extraFolders, setExtraFolders] = useState<string[]>([]);

  const dropImpliedFolders = useCallback((path: string) => {
    setExtraFolders((folders) => folders.filter((folder) => !isUnder(path, folder)));
  }, []);

  const applyFile = useCallback(
    (file: FileInfo) => {
      setFiles((list) => upsert(list ?? [], summary(file)));
      dropImpliedFolders(file.path);
    },
    [setFiles, dropImpliedFolders],
  );

  const removeFile = useCallback(
    (fileId: string) => setFiles((list) => list?.filter((item) => item.id !== fileId)),
    [setFiles],
  );

  const createFile = async (input: string): Promise<FileInfo> => {
    const path = normalisePath(input);
    const file = await call(apiRoutes.files.create, {
      params: { id: projectId },
      body: { path, content: "" },
    });
    applyFile(file);
    return file;
  };

  const createFolder = async (input: string): Promise<void> => {
    const path = normalisePath(input);
    const problem = folderPathProblem(path);
    if (problem)
      throw new ProblemError({ status: 400, title: "Invalid path", detail: problem, code: "invalid_path" });
    if (files.some((file) => file.path === path)) {
      throw new ProblemError({
        status: 409,
        title: "Taken",
        detail: `'${path}' is a file`,
        code: "path_taken",
      });
    }
    setExtraFolders((folders) => (folders.includes(path) ? folders : [...folders, path]));
  };

  const renameFile = async (file: FileInfo, input: string): Promise<void> => {
    const path = normalisePath(input);
    if (path === file.path) return;
    applyFile(
      await call(apiRoutes.files.update, { params: { id: projectId, fileId: file.id }, body: { path } }),
    );
  };

  /** Moves every file under a folder; stops at the first failure and says how far it got. */
  const renameFolder = async (folder: string, input: string): Promise<void> => {
    const target = normalisePath(input);
    if (target === folder) return;
    const problem = folderPathProblem(target);
    if (problem)
      throw new ProblemError({ status: 400, title: "Invalid path", detail: problem, code: "invalid_path" });
    const moving = files.filter((file) => isUnder(file.path, folder));
    let moved = 0;
    for (const file of moving) {
      const path = `${target}${file.path.slice(folder.length)}`;
      try {
        applyFile(
          await call(apiRoutes.files.update, { params: { id: projectId, fileId: file.id }, body: { path } }),
        );
        moved += 1;
      } catch (error) {
        throw partial(error, `Moved ${moved} of ${moving.length} files`);
      }
    }
    setExtraFolders((folders) =>
      folders.map((item) =>
        isUnder(item, folder) || item === folder ? target + item.slice(folder.length) : item,
      ),
    );
  };

  const deleteFile = async (file: FileInfo): Promise<void> => {
    await call(apiRoutes.files.delete, { params: { id: projectId, fileId: file.id } });
    removeFile(file.id);
  };

  /** Deletes the files under a folder (the folder itself is only implied by their paths). */
  const deleteFolder = async (folder: string): Promise<void> => {
    const doomed = files.filter((file) => isUnder(file.path, folder));
    let deleted = 0;
    for (const file of doomed) {
      try {
        await call(apiRoutes.files.delete, { params: { id: projectId, fileId: file.id } });
      } catch (error) {
        if (!(error instanceof ProblemError && error.status === 404)) {
          throw partial(error, `Deleted ${deleted} of ${doomed.length} files`);
        }
      }
      removeFile(file.id);
      deleted += 1;
    }
    setExtraFolders((folders) => folders.filter((item) => item !== folder && !isUnder(item, folder)));
  };

  return {
    files,
    loading: loaded.loading,
    error: loaded.error,
    reload: loaded.reload,
    extraFolders,
    applyFile,
    removeFile,
    createFile,
    createFolder,
    renameFile,
    renameFolder,
    deleteFile,
    deleteFolder,
  };
}

export type FilesApi = ReturnType<typeof useFiles>;

function partial(error: unknown, progress: string): ProblemError {
  const detail = error instanceof ProblemError ? error.detail : String(error);
  return new ProblemError({
    status: error instanceof ProblemError ? error.status : 0,
    title: "Partly done",
    detail: `${progress}: ${detail}`,
    code: error instanceof ProblemError ? error.code : "unknown",
  });
}
