/** Monaco language ids by file extension; unknown extensions are plain text. */
const byExtension: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  json: "json",
  md: "markdown",
  markdown: "markdown",
  css: "css",
  scss: "scss",
  less: "less",
  html: "html",
  htm: "html",
  xml: "xml",
  svg: "xml",
  yml: "yaml",
  yaml: "yaml",
  py: "python",
  rb: "ruby",
  go: "go",
  rs: "rust",
  java: "java",
  kt: "kotlin",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  hpp: "cpp",
  cs: "csharp",
  php: "php",
  sh: "shell",
  bash: "shell",
  sql: "sql",
  swift: "swift",
  toml: "ini",
  ini: "ini",
  graphql: "graphql",
  gql: "graphql",
  dockerfile: "dockerfile",
};

const byName: Record<string, string> = { dockerfile: "dockerfile", makefile: "makefile" };

export function detectLanguage(path: string): string {
  const name = (path.split("/").at(-1) ?? "").toLowerCase();
  const named = byName[name];
  if (named) return named;
  const dot = name.lastIndexOf(".");
  return (dot > 0 && byExtension[name.slice(dot + 1)]) || "plaintext";
}
