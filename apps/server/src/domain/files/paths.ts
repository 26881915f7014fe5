import { AppError } from "../errors.ts";

export const MAX_PATH_LENGTH = 512;
export const MAX_PATH_DEPTH = 32;
const MAX_SEGMENT_LENGTH = 255;

/** Characters no file name may hold: controls, backslash and those Windows refuses. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN = /[\u0000-\u001f\u007f\\:*?"<>|]/;

/**
 * Normalises a project-relative path ("src//a.ts" → "src/a.ts") and refuses anything that could
 * escape the project or confuse a file system: absolute paths, "." and ".." segments, control
 * characters, over-long names.
 */
export function normalisePath(input: string): string {
  const trimmed = input.trim();
  if (trimmed.startsWith("/"))
    throw new AppError("invalid_path", "Paths are relative to the project: no leading '/'");
  const segments = trimmed.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) throw new AppError("invalid_path", "Path is empty");
  if (segments.length > MAX_PATH_DEPTH)
    throw new AppError("invalid_path", `Paths nest at most ${MAX_PATH_DEPTH} folders`);
  for (const segment of segments) {
    if (segment === "." || segment === "..")
      throw new AppError("invalid_path", "Paths may not contain '.' or '..'");
    if (FORBIDDEN.test(segment)) throw new AppError("invalid_path", "Path contains a forbidden character");
    if (segment !== segment.trim())
      throw new AppError("invalid_path", "Names may not start or end with spaces");
    if (segment.length > MAX_SEGMENT_LENGTH)
      throw new AppError("invalid_path", "A name in the path is too long");
  }
  const path = segments.join("/");
  if (path.length > MAX_PATH_LENGTH)
    throw new AppError("invalid_path", `Paths are at most ${MAX_PATH_LENGTH} characters`);
  return path;
}

/** Every folder a path lives in: "a/b/c.ts" → ["a", "a/b"]. */
export function parentFolders(path: string): string[] {
  const segments = path.split("/");
  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join("/"));
}
