import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { safeColor } from "../ui/colors.ts";
import { monaco } from "./monaco.ts";

interface RemoteUser {
  name: string;
  color: string;
}

interface LabelWidget {
  widget: monaco.editor.IContentWidget;
  node: HTMLElement;
  position: monaco.IPosition;
}

interface AwarenessState {
  user?: { id?: string; name?: string; color?: string };
  selection?: { anchor?: unknown; head?: unknown } | null;
}

/** One <style> for every remote client's colours: `.yRemoteSelection-<id>` / `.yRemoteSelectionHead-<id>`. */
const styleElement = document.createElement("style");
styleElement.dataset.remoteCursors = "";
document.head.append(styleElement);
const rules = new Map<number, string>();

function setClientStyle(clientId: number, color: string | null): void {
  if (color === null) rules.delete(clientId);
  else {
    rules.set(
      clientId,
      `.yRemoteSelection-${clientId}{background-color:${color}55}` +
        `.yRemoteSelectionHead-${clientId}{border-left:2px solid ${color}}` +
        `.yRemoteSelectionHead-${clientId}::after{border-color:${color}}`,
    );
  }
  styleElement.textContent = [...rules.values()].join("\n");
}

/**
 * Colours and name labels for the other people in one document. y-monaco draws the selections and
 * carets as decorations with per-client class names; this adds their CSS, and a label with the
 * person's name above each caret (a content widget: real text in the DOM).
 */
export class RemoteCursors {
  readonly #widgets = new Map<number, LabelWidget>();
  readonly #disposables: monaco.IDisposable[] = [];
  readonly #styled = new Set<number>();
  readonly #onChange = () => this.render();

  constructor(
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    private readonly model: monaco.editor.ITextModel,
    private readonly text: Y.Text,
    private readonly awareness: Awareness,
  ) {
    awareness.on("change", this.#onChange);
    this.#disposables.push(model.onDidChangeContent(this.#onChange), editor.onDidChangeModel(this.#onChange));
    this.render();
  }

  /** People currently in this document (for tests and the UI), by awareness client id. */
  users(): Map<number, RemoteUser> {
    const users = new Map<number, RemoteUser>();
    for (const [clientId, raw] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID) continue;
      const state = raw as AwarenessState;
      if (!state.user?.name) continue;
      users.set(clientId, { name: state.user.name, color: safeColor(state.user.color) });
    }
    return users;
  }

  render(): void {
    const visible = this.editor.getModel() === this.model;
    const seen = new Set<number>();
    const users = this.users();
    for (const [clientId, user] of users) {
      setClientStyle(clientId, user.color);
      this.#styled.add(clientId);
      const head = visible ? this.#headOf(clientId) : null;
      if (!head) continue;
      seen.add(clientId);
      this.#place(clientId, user, head);
    }
    for (const clientId of [...this.#widgets.keys()]) {
      if (!seen.has(clientId)) this.#remove(clientId);
    }
    for (const clientId of [...this.#styled]) {
      if (users.has(clientId)) continue;
      setClientStyle(clientId, null);
      this.#styled.delete(clientId);
    }
  }

  #headOf(clientId: number): monaco.IPosition | null {
    const state = this.awareness.getStates().get(clientId) as AwarenessState | undefined;
    const head = state?.selection?.head;
    if (!head || !this.text.doc) return null;
    try {
      const absolute = Y.createAbsolutePositionFromRelativePosition(
        Y.createRelativePositionFromJSON(head),
        this.text.doc,
      );
      if (!absolute || absolute.type !== this.text) return null;
      return this.model.getPositionAt(absolute.index);
    } catch {
      return null;
    }
  }

  #place(clientId: number, user: RemoteUser, position: monaco.IPosition): void {
    const existing = this.#widgets.get(clientId);
    if (existing) {
      existing.position = position;
      existing.node.textContent = user.name;
      existing.node.style.backgroundColor = user.color;
      this.editor.layoutContentWidget(existing.widget);
      return;
    }
    const node = document.createElement("div");
    node.className = "remote-cursor-label";
    node.dataset.clientId = String(clientId);
    node.textContent = user.name;
    node.style.backgroundColor = user.color;
    const entry: LabelWidget = {
      node,
      position,
      widget: {
        getId: () => `codepark.remote-cursor.${clientId}`,
        getDomNode: () => node,
        getPosition: () => ({
          position: entry.position,
          preference: [
            monaco.editor.ContentWidgetPositionPreference.ABOVE,
            monaco.editor.ContentWidgetPositionPreference.BELOW,
          ],
        }),
      } satisfies monaco.editor.IContentWidget,
    };
    this.#widgets.set(clientId, entry);
    this.editor.addContentWidget(entry.widget);
  }

  #remove(clientId: number): void {
    const entry = this.#widgets.get(clientId);
    if (!entry) return;
    this.editor.removeContentWidget(entry.widget);
    this.#widgets.delete(clientId);
  }

  destroy(): void {
    this.awareness.off("change", this.#onChange);
    for (const disposable of this.#disposables) disposable.dispose();
    for (const clientId of [...this.#widgets.keys()]) this.#remove(clientId);
    for (const clientId of this.#styled) setClientStyle(clientId, null);
    this.#styled.clear();
  }
}
