import { testRedisPrefix, testRedisUrl, waitFor } from "@codepark/testing";
import { Redis } from "ioredis";
import * as encoding from "lib0/encoding";
import { afterEach, describe, expect, it } from "vitest";
import type { RemoteDocumentHandlers } from "../../domain/collab/fanout.ts";
import { openRedis, type RedisConnections } from "../redis/connection.ts";
import { RedisCollabFanout } from "./redis-fanout.ts";

const redisUrl = testRedisUrl();

/** What a node's document heard from the others. */
function recorder() {
  const heard = { updates: [] as number[][], awareness: [] as [string, number[]][], resyncs: 0 };
  const handlers: RemoteDocumentHandlers = {
    update: (update) => void heard.updates.push([...update]),
    awareness: (node, frame) => void heard.awareness.push([node, [...frame]]),
    resync: () => void heard.resyncs++,
  };
  return { heard, handlers };
}

describe.skipIf(!redisUrl)("RedisCollabFanout (two nodes on one Redis prefix)", () => {
  const opened: RedisConnections[] = [];
  afterEach(async () => {
    for (const connections of opened.splice(0)) await connections.close();
  });

  async function node(prefix: string, nodeId: string) {
    const connections = await openRedis({ url: redisUrl!, prefix, name: `${prefix}${nodeId}` });
    opened.push(connections);
    const fanout = new RedisCollabFanout({
      publisher: connections.commands,
      channels: connections.channels,
      prefix,
      nodeId,
      onError: (error) => {
        throw error;
      },
    });
    return { fanout, connections };
  }

  it("delivers updates and awareness to the other nodes holding the document, not back to the sender", async () => {
    const prefix = testRedisPrefix("fanout");
    const [a, b, c] = [await node(prefix, "a"), await node(prefix, "b"), await node(prefix, "c")];
    const onA = recorder();
    const onB = recorder();
    const onC = recorder();
    await a.fanout.open("fil_1", onA.handlers);
    await b.fanout.open("fil_1", onB.handlers);
    await c.fanout.open("fil_other", onC.handlers);

    a.fanout.publishUpdate("fil_1", new Uint8Array([1, 2, 3]));
    a.fanout.publishAwareness("fil_1", new Uint8Array([9]));
    b.fanout.publishUpdate("fil_1", new Uint8Array([4]));
    await waitFor(
      () => onB.heard.updates.length === 1 && onB.heard.awareness.length === 1,
      3_000,
      "B hears A",
    );
    await waitFor(() => onA.heard.updates.length === 1, 3_000, "A hears B");
    expect(onB.heard).toEqual({ updates: [[1, 2, 3]], awareness: [["a", [9]]], resyncs: 0 });
    expect(onA.heard).toEqual({ updates: [[4]], awareness: [], resyncs: 0 });
    expect(onC.heard).toEqual({ updates: [], awareness: [], resyncs: 0 });

    // Closed: nothing more arrives.
    b.fanout.close("fil_1");
    a.fanout.publishUpdate("fil_1", new Uint8Array([5]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(onB.heard.updates).toEqual([[1, 2, 3]]);
  });

  it("a jump in a sender's sequence (a lost message) asks the document to resync", async () => {
    const prefix = testRedisPrefix("fanout");
    const [a, b] = [await node(prefix, "a"), await node(prefix, "b")];
    const onB = recorder();
    await a.fanout.open("fil_1", recorder().handlers);
    await b.fanout.open("fil_1", onB.handlers);
    a.fanout.publishUpdate("fil_1", new Uint8Array([1]));
    await waitFor(() => onB.heard.updates.length === 1, 3_000, "first update");
    expect(onB.heard.resyncs).toBe(0);

    // A message from A's sender id that skips sequence number 2, as if 2 were lost in transit.
    const encoder = encoding.createEncoder();
    encoding.writeUint8(encoder, 0);
    encoding.writeVarString(encoder, "a/1");
    encoding.writeVarUint(encoder, 3);
    encoding.writeUint8Array(encoder, new Uint8Array([3]));
    await a.connections.commands.publish(`${prefix}doc:fil_1`, Buffer.from(encoding.toUint8Array(encoder)));
    await waitFor(() => onB.heard.updates.length === 2, 3_000, "the later update");
    expect(onB.heard.resyncs).toBe(1);
  });

  it("every open document resyncs after its node's subscriber connection came back", async () => {
    const prefix = testRedisPrefix("fanout");
    const b = await node(prefix, "b");
    const one = recorder();
    const two = recorder();
    await b.fanout.open("fil_1", one.handlers);
    await b.fanout.open("fil_2", two.handlers);
    const admin = new Redis(redisUrl!);
    try {
      const clients = (await admin.call("CLIENT", "LIST")) as string;
      const line = clients.split("\n").find((entry) => entry.includes(`name=${prefix}b:subscriber`));
      expect(line).toBeDefined();
      await admin.call("CLIENT", "KILL", "ID", /\bid=(\d+)/.exec(line!)![1]!);
    } finally {
      admin.disconnect();
    }
    await waitFor(() => one.heard.resyncs === 1 && two.heard.resyncs === 1, 5_000, "both documents resync");
  });
});
