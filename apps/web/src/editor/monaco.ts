import * as monaco from "monaco-editor";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import CssWorker from "monaco-editor/languages/features/css/css.worker?worker";
import HtmlWorker from "monaco-editor/languages/features/html/html.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";
import TsWorker from "monaco-editor/languages/features/typescript/ts.worker?worker";

// Language services run in same-origin module workers (the CSP allows worker-src 'self').
self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    switch (label) {
      case "json":
        return new JsonWorker();
      case "css":
      case "scss":
      case "less":
        return new CssWorker();
      case "html":
      case "handlebars":
      case "razor":
        return new HtmlWorker();
      case "typescript":
      case "javascript":
        return new TsWorker();
      default:
        return new EditorWorker();
    }
  },
};

// A file sees only itself here: no "cannot find module" noise for imports of its siblings.
for (const defaults of [monaco.typescript.typescriptDefaults, monaco.typescript.javascriptDefaults]) {
  defaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
}

const known = new Set(monaco.languages.getLanguages().map((language) => language.id));
const ALIASES: Record<string, string> = { c: "cpp" };

/** The Monaco language for the API's `language` field (derived by the server from the extension). */
export function monacoLanguage(language: string): string {
  const id = ALIASES[language] ?? language;
  return known.has(id) ? id : "plaintext";
}

export { monaco };
