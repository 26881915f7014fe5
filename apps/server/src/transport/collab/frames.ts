/**
 * Server-to-client binary WebSocket frames (RFC 6455 §5.2: FIN, opcode 2, unmasked), built once per
 * broadcast message and written to every peer's socket as the same buffer. ws would frame the
 * message again for each connection (a header allocation and a two-buffer writev per send).
 */
const framed = new WeakMap<Uint8Array, Buffer>();

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

/** The frame of `message`, built on first use and shared while the message is alive. */
export function frameOf(message: Uint8Array): Buffer {
  let frame = framed.get(message);
  if (!frame) {
    frame = binaryFrame(message);
    framed.set(message, frame);
  }
  return frame;
}
