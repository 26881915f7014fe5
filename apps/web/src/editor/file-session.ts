import { MonacoBinding } from "y-monaco";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { apiRoutes, call } from "../api/client.ts";
import { currentAccessToken } from "../api/refresh.ts";
import { getSession, subscribeSession } from "../api/session.ts";
import type { FileInfo } from "../api/types.ts";
import { colorFor } from "../ui/colors.ts";
import type { ConnectionState } from "../workspace/connection.ts";
import { monaco, monacoLanguage } from "./monaco.ts";
import { RemoteCursors } from "./remote-cursors.ts";

/** Why the server closed a document for good (y-websocket stops reconnecting on 44xx). */
const CLOSE_REASONS: Record<number, string> = {
  4400: "The server refused an update from this editor. Reload the page to reconnect.",
  4401: "Your session ended. Sign in again to keep editing.",
  4403: "You no longer have access to this file.",
  4404: "This file no longer exists.",
  4413: "This file reached the size limit: the last edit was not saved.",
  4429: "Too many open connections for your plan: close other tabs or files, then reopen this one.",
  4430: "You have too much open at once: close other files, then reopen this one.",
};
const OFFLINE_DETAIL = "Offline: edits are kept on this device and sync when the connection returns.";
const UNREACHABLE_DETAIL = "Cannot reach the server: edits are kept on this device and sync when it answers.";

/** Live documents of open tabs, by file id (the history panel reads the current text from here). */
const sessions = new Map<string, FileSession>();

export function liveSession(fileId: string): FileSession | undefined {
  return sessions.get(fileId);
}

/**
 * One open file: its Yjs document synced over the y-websocket endpoint, a Monaco model bound to the
 * document's "content" text with y-monaco (awareness included), and remote cursor colours/labels.
 * Background tabs stay connected, so switching tabs is instant and nothing is missed.
 */
export class FileSession {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText("content");
  readonly provider: WebsocketProvider;
  readonly model: monaco.editor.ITextModel;
  readonly #binding: MonacoBinding;
  readonly #cursors: RemoteCursors;
  readonly #listeners = new Set<(state: ConnectionState) => void>();
  readonly #cleanup: (() => void)[] = [];
  #state: ConnectionState = { kind: "syncing" };
  #closed: ConnectionState | null = null;
  #failedAttempts = 0;
  viewState: monaco.editor.ICodeEditorViewState | null = null;

  constructor(
    public file: FileInfo,
    editor: monaco.editor.IStandaloneCodeEditor,
  ) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.provider = new WebsocketProvider(`${scheme}://${window.location.host}/collab`, file.id, this.doc, {
      connect: false,
      disableBc: true,
      params: { token: getSession()?.accessToken ?? "" },
    });
    const user = getSession()?.user;
    if (user) {
      this.provider.awareness.setLocalStateField("user", {
        id: user.id,
        name: user.name,
        color: colorFor(user.id),
      });
    }
    const uri = monaco.Uri.from({ scheme: "codepark", path: `/${file.id}/${file.path}` });
    this.model = monaco.editor.createModel("", monacoLanguage(file.language), uri);
    this.#binding = new MonacoBinding(this.text, this.model, new Set([editor]), this.provider.awareness);
    this.#cursors = new RemoteCursors(editor, this.model, this.text, this.provider.awareness);
    this.#wire();
    sessions.set(file.id, this);
    void this.#connect();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#state);
    return () => this.#listeners.delete(listener);
  }

  /** Follows a rename (the language may change with the extension). */
  setFile(file: FileInfo): void {
    if (file.language !== this.file.language)
      monaco.editor.setModelLanguage(this.model, monacoLanguage(file.language));
    this.file = file;
  }

  #wire(): void {
    const provider = this.provider;
    const update = () => this.#update();
    provider.on("status", update);
    provider.on("sync", update);
    provider.on("connection-close", (event) => {
      if (event && event.code >= 4400 && event.code < 4500) return; // handled by "closed"
      this.#failedAttempts += provider.wsconnected ? 0 : 1;
      // A refused upgrade looks like any network failure: make sure the token is fresh, and after
      // a failure ask the API (which refreshes an expired token, or signs out when the session is gone).
      void currentAccessToken().catch(() => undefined);
      if (this.#failedAttempts === 1 || this.#failedAttempts % 5 === 0) {
        void call(apiRoutes.account.me).catch(() => undefined);
      }
    });
    provider.on("sync", (synced) => {
      if (synced) this.#failedAttempts = 0;
    });
    provider.on("closed", (event) => {
      this.#closed = {
        kind: "closed",
        detail: CLOSE_REASONS[event.code] ?? `Closed by the server (${event.code}).`,
      };
      if (event.code === 4401) void call(apiRoutes.account.me).catch(() => undefined);
      update();
    });
    const onOffline = () => {
      provider.disconnect();
      update();
    };
    const onOnline = () => void this.#connect();
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    const unsubscribe = subscribeSession(() => {
      const token = getSession()?.accessToken;
      if (token) provider.params.token = token;
    });
    this.#cleanup.push(unsubscribe, () => {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    });
  }

  async #connect(): Promise<void> {
    if (this.#closed || !navigator.onLine) {
      this.#update();
      return;
    }
    const token = await currentAccessToken().catch(() => getSession()?.accessToken ?? null);
    if (token) this.provider.params.token = token;
    if (!this.#closed && navigator.onLine) this.provider.connect();
  }

  #update(): void {
    const provider = this.provider;
    let next: ConnectionState;
    if (this.#closed) next = this.#closed;
    else if (!navigator.onLine || !provider.shouldConnect) next = { kind: "offline", detail: OFFLINE_DETAIL };
    else if (provider.wsconnected && provider.synced) next = { kind: "connected" };
    // Reconnecting: "syncing" for a moment, "offline" once the server has been unreachable a while.
    else if (provider.wsconnected || this.#failedAttempts < 3) next = { kind: "syncing" };
    else next = { kind: "offline", detail: UNREACHABLE_DETAIL };
    if (next.kind === this.#state.kind && next.detail === this.#state.detail) return;
    this.#state = next;
    for (const listener of this.#listeners) listener(next);
  }

  destroy(): void {
    sessions.delete(this.file.id);
    for (const cleanup of this.#cleanup) cleanup();
    this.#listeners.clear();
    this.#cursors.destroy();
    this.#binding.destroy();
    this.provider.destroy();
    this.model.dispose();
    this.doc.destroy();
  }
}
