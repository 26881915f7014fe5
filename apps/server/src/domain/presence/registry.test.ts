import { describe, expect, it } from "vitest";
import { MemoryPresenceRegistry, type PresenceRegistry } from "./registry.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const ada = { userId: "usr_ada", name: "Ada" };
const bob = { userId: "usr_bob", name: "Bob" };

/** The contract every presence registry (memory now, Redis later) must meet. */
function contract(make: () => PresenceRegistry & { size?: number }) {
  it("merges a user's devices: online if any is online, away only when all are, offline after the last", async () => {
    const presence = make();
    expect((await presence.join("p1", "d1", ada, at(1))).status).toBe("online");
    await presence.join("p1", "d2", ada, at(2));
    const oneAway = await presence.update("p1", "d1", { status: "away" }, at(3));
    expect(oneAway).toMatchObject({ changed: true, state: { status: "online" } });
    const bothAway = await presence.update("p1", "d2", { status: "away", fileId: "fil_1" }, at(4));
    expect(bothAway?.state).toMatchObject({
      status: "away",
      fileIds: ["fil_1"],
      lastSeen: at(4).toISOString(),
      devices: [
        { deviceId: "d1", status: "away", fileId: null },
        { deviceId: "d2", status: "away", fileId: "fil_1" },
      ],
    });
    expect((await presence.update("p1", "d2", { status: "away" }, at(5)))?.changed).toBe(false);
    expect((await presence.leave("p1", "d1", at(6)))?.status).toBe("away");
    expect(await presence.leave("p1", "d2", at(7))).toEqual({
      projectId: "p1",
      userId: "usr_ada",
      name: "Ada",
      status: "offline",
      lastSeen: at(7).toISOString(),
      fileIds: [],
      devices: [],
    });
    expect(await presence.list("p1")).toEqual([]);
  });

  it("keeps projects apart and cleans a device out of all of them at once", async () => {
    const presence = make();
    await presence.join("p1", "d1", ada, at(1));
    await presence.join("p2", "d1", ada, at(1));
    await presence.join("p1", "d9", bob, at(1));
    await presence.update("p2", "d1", { fileId: "fil_2" }, at(2));
    expect((await presence.list("p1")).map((s) => [s.userId, s.fileIds])).toEqual([
      ["usr_ada", []],
      ["usr_bob", []],
    ]);
    expect(await presence.stats()).toEqual({ online: 3, away: 0, devices: 3 });
    const left = await presence.leaveAll("d1", at(3));
    expect(left.map((s) => [s.projectId, s.status])).toEqual([
      ["p1", "offline"],
      ["p2", "offline"],
    ]);
    expect(await presence.leaveAll("d1", at(3))).toEqual([]);
    expect(await presence.update("p1", "d1", { status: "away" }, at(4))).toBeNull();
    expect(await presence.leave("p1", "d1", at(4))).toBeNull();
    expect((await presence.list("p1")).map((s) => s.userId)).toEqual(["usr_bob"]);
  });

  it("joining twice is one device", async () => {
    const presence = make();
    await presence.join("p1", "d1", ada, at(1));
    const again = await presence.join("p1", "d1", { ...ada, name: "Ada L." }, at(2));
    expect(again.devices).toHaveLength(1);
    expect(again.name).toBe("Ada L.");
  });

  it("holds nothing once every device has gone, whatever happened before", async () => {
    const presence = make();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const users = [ada, bob, { userId: "usr_cy", name: "Cy" }];
    for (let step = 0; step < 2000; step++) {
      const device = `d${random(12)}`;
      const project = `p${random(4)}`;
      const user = users[Number(device.slice(1)) % users.length]!;
      const roll = random(10);
      if (roll < 4) await presence.join(project, device, user, at(step));
      else if (roll < 7)
        await presence.update(project, device, { status: roll === 5 ? "away" : "online" }, at(step));
      else if (roll < 9) await presence.leave(project, device, at(step));
      else await presence.leaveAll(device, at(step));
    }
    for (let device = 0; device < 12; device++) await presence.leaveAll(`d${device}`, at(3000));
    expect(await presence.stats()).toEqual({ online: 0, away: 0, devices: 0 });
    for (let project = 0; project < 4; project++) expect(await presence.list(`p${project}`)).toEqual([]);
    if (presence.size !== undefined) expect(presence.size).toBe(0);
  });
}

describe("MemoryPresenceRegistry", () => {
  contract(() => new MemoryPresenceRegistry());
});
