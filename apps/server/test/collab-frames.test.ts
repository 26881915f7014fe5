import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { frameOf } from "../src/transport/collab/frames.ts";

/** Frames built by hand must read as ordinary binary messages to a real WebSocket client. */
describe("pre-built WebSocket frames", () => {
  let server: Server;
  let port: number;
  const sizes = [0, 1, 125, 126, 65_535, 65_536, 200_000];

  beforeAll(async () => {
    server = createServer();
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    server.on("upgrade", (request, socket: Duplex, head) => {
      wss.handleUpgrade(request, socket, head, (ws) => {
        for (const size of sizes) {
          const payload = new Uint8Array(size).map((_, i) => (i * 7 + size) % 256);
          socket.write(frameOf(payload));
        }
        // ws's own frames share the socket and keep their order.
        ws.send(Buffer.from("done"));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("delivers every payload length intact and in order", async () => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    const received: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      client.on("message", (data: Buffer) => {
        if (data.toString() === "done") resolve();
        else received.push(data);
      });
      client.on("error", reject);
      client.on("close", (code) => reject(new Error(`closed ${code}`)));
    });
    client.close();
    expect(received.map((data) => data.length)).toEqual(sizes);
    for (const [index, size] of sizes.entries()) {
      const expected = Buffer.from(new Uint8Array(size).map((_, i) => (i * 7 + size) % 256));
      expect(received[index]!.equals(expected)).toBe(true);
    }
  });

  it("builds a message's frame once and reuses it", () => {
    const message = new Uint8Array([1, 2, 3]);
    expect(frameOf(message)).toBe(frameOf(message));
    expect([...frameOf(message)]).toEqual([0x82, 3, 1, 2, 3]);
  });
});
