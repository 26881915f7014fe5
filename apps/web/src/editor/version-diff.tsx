import { useEffect, useRef } from "react";
import { liveSession } from "./file-session.ts";
import { monaco, monacoLanguage } from "./monaco.ts";

/** A read-only Monaco diff: a version (left) against the current text (right, live when the tab is open). */
export function VersionDiff({
  fileId,
  language,
  original,
  fallback,
}: {
  fileId: string;
  language: string;
  original: string;
  fallback: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const diff = monaco.editor.createDiffEditor(container.current!, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      theme: "vs-dark",
      minimap: { enabled: false },
      renderSideBySide: true,
      useInlineViewWhenSpaceIsLimited: true,
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
    const lang = monacoLanguage(language);
    const originalModel = monaco.editor.createModel(original, lang);
    const live = liveSession(fileId);
    const modifiedModel = monaco.editor.createModel(live ? live.text.toString() : fallback, lang);
    diff.setModel({ original: originalModel, modified: modifiedModel });
    const follow = () => modifiedModel.setValue(live?.text.toString() ?? fallback);
    live?.text.observe(follow);
    return () => {
      live?.text.unobserve(follow);
      diff.setModel(null);
      diff.dispose();
      // A diff computation may still be in flight in the worker: Monaco reports an error when its
      // models vanish under it, so they are released a moment later.
      setTimeout(() => {
        originalModel.dispose();
        modifiedModel.dispose();
      }, 2000);
    };
  }, [fileId, language, original, fallback]);
  return <div className="diff-host" ref={container} data-testid="version-diff" />;
}
