/**
 * Server-to-client binary WebSocket frames (RFC 6455 §5.2: FIN, opcode 2, unmasked), built once per
 * broadcast message and written to every peer's socket as the same buffer. ws would frame the
 * message again for each connection (a header allocation and a two-buffer writev per send).
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x82;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.set(payload, headerBytes);
  return frame;
}

let lastMessage: Uint8Array | null = null;
let lastFrame: Buffer | null = null;

/**
 * The frame of `message`. A broadcast sends one message to every peer in a row, so remembering the
 * last one is enough to frame it once (a WeakMap costs more, in lookups and in garbage collection).
 * Messages are never changed after they are encoded, so the same object always has the same frame.
 */
export function frameOf(message: Uint8Array): Buffer {
  if (message !== lastMessage || !lastFrame) {
    lastFrame = binaryFrame(message);
    lastMessage = message;
  }
  return lastFrame;
}
