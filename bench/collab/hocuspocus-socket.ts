/**
 * Lets the unmodified y-websocket client talk to Hocuspocus, whose protocol is y-websocket's with
 * every frame prefixed by the document name (one socket can carry several documents) and an auth
 * frame required before anything else. This is the WebSocket the provider is given for that target:
 *
 *  - on open it sends Hocuspocus's auth frame (token "", no onAuthenticate hook is configured),
 *    then tells the provider the socket is open (its sync step 1 and awareness queue behind auth);
 *  - outgoing frames get the document name prepended;
 *  - incoming frames lose it; SyncReply (4) becomes Sync (0), which is what it is for a y-websocket
 *    client; auth replies, SyncStatus acks (8) and the rest are dropped (counted in `dropped`).
 *
 * The extra bytes are a few per frame, and the server-side work is exactly Hocuspocus's own.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { type RawData, WebSocket } from "ws";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;
const MESSAGE_SYNC_REPLY = 4;
const AUTH_PERMISSION_DENIED = 1;

type Handler<E> = ((event: E) => void) | null;

export class HocuspocusSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  binaryType = "arraybuffer";
  onopen: Handler<object> = null;
  onmessage: Handler<{ data: Uint8Array }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  /** Frames the y-websocket client would not understand, by Hocuspocus message type. */
  static readonly dropped = new Map<number, number>();
  static readonly denied: string[] = [];

  readonly #ws: WebSocket;
  readonly #prefix: Uint8Array;

  constructor(url: string) {
    const parsed = new URL(url);
    const name = decodeURIComponent(parsed.pathname.slice(1));
    const prefix = encoding.createEncoder();
    encoding.writeVarString(prefix, name);
    this.#prefix = encoding.toUint8Array(prefix);
    this.#ws = new WebSocket(`${parsed.protocol}//${parsed.host}/`, { perMessageDeflate: false });
    this.#ws.on("open", () => {
      const auth = encoding.createEncoder();
      encoding.writeVarUint(auth, MESSAGE_AUTH);
      encoding.writeVarUint(auth, 0); // token
      encoding.writeVarString(auth, "");
      this.#ws.send(this.#framed(encoding.toUint8Array(auth)));
      this.onopen?.({});
    });
    this.#ws.on("message", (data: RawData) => this.#receive(data as Buffer));
    this.#ws.on("close", (code: number, reason: Buffer) =>
      this.onclose?.({ code, reason: reason.toString() }),
    );
    this.#ws.on("error", (error: Error) => this.onerror?.(error));
  }

  get readyState(): number {
    return this.#ws.readyState;
  }

  send(data: Uint8Array | ArrayBuffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(this.#framed(data instanceof Uint8Array ? data : new Uint8Array(data)));
  }

  close(code?: number, reason?: string): void {
    if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
    else this.#ws.close(code, reason);
  }

  #framed(payload: Uint8Array): Uint8Array {
    const framed = new Uint8Array(this.#prefix.byteLength + payload.byteLength);
    framed.set(this.#prefix, 0);
    framed.set(payload, this.#prefix.byteLength);
    return framed;
  }

  #receive(data: Buffer): void {
    const decoder = decoding.createDecoder(data);
    decoding.readVarString(decoder);
    const start = decoder.pos;
    const type = decoding.readVarUint(decoder);
    const body = data.subarray(start);
    switch (type) {
      case MESSAGE_SYNC:
      case MESSAGE_AWARENESS:
      case MESSAGE_QUERY_AWARENESS:
        this.onmessage?.({ data: body });
        return;
      case MESSAGE_SYNC_REPLY: {
        const rewritten = new Uint8Array(body);
        // A one-byte varUint (4) replaced by another (0): the rest is a y-protocols sync message.
        rewritten[0] = MESSAGE_SYNC;
        this.onmessage?.({ data: rewritten });
        return;
      }
      case MESSAGE_AUTH:
        if (decoding.readVarUint(decoder) === AUTH_PERMISSION_DENIED) {
          HocuspocusSocket.denied.push(decoding.readVarString(decoder));
        }
        return;
      default:
        HocuspocusSocket.dropped.set(type, (HocuspocusSocket.dropped.get(type) ?? 0) + 1);
    }
  }
}
