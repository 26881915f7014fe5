import type { ProjectEventName, RealtimeProjectEvent } from "@codepark/protocol";
import { describe, expect, it } from "vitest";
import {
  ACCESS_LOST,
  badgeCount,
  canEditFiles,
  canPostInChannel,
  leftMessage,
  PROJECT_DELETED,
  workspaceEffect,
} from "./workspace-model.ts";

const event = (actorId: string | null, data: object) =>
  ({ actorId, ...data }) as unknown as RealtimeProjectEvent<ProjectEventName>;
const fileData = { id: "fil_1", path: "src/a.ts", updatedAt: "2026-01-02T00:00:00Z" };

describe("workspaceEffect", () => {
  it("applies created, updated and renamed files, dated by their update", () => {
    for (const name of ["file.created", "file.updated", "file.renamed"] as const) {
      expect(workspaceEffect(name, event("usr_me", { file: fileData }), "usr_me")).toEqual({
        kind: "file-changed",
        file: { ...fileData, createdAt: "2026-01-02T00:00:00Z" },
      });
    }
  });

  it("removes a deleted file, telling only when someone else deleted it", () => {
    const data = { fileId: "fil_1", path: "src/a.ts" };
    expect(workspaceEffect("file.deleted", event("usr_me", data), "usr_me")).toEqual({
      kind: "file-removed",
      fileId: "fil_1",
      notice: null,
    });
    expect(workspaceEffect("file.deleted", event("usr_bob", data), "usr_me")).toEqual({
      kind: "file-removed",
      fileId: "fil_1",
      notice: "src/a.ts was deleted by another member.",
    });
  });

  it("reloads the project when it changes or one's own membership does", () => {
    expect(workspaceEffect("project.updated", event("usr_bob", {}), "usr_me").kind).toBe("reload-project");
    expect(
      workspaceEffect("member.role_changed", event("usr_bob", { userId: "usr_me" }), "usr_me").kind,
    ).toBe("reload-project");
    expect(workspaceEffect("member.added", event("usr_bob", { userId: "usr_cy" }), "usr_me").kind).toBe(
      "none",
    );
  });

  it("says the project is gone when deleted, and ignores events it has no use for", () => {
    expect(workspaceEffect("project.deleted", event("usr_bob", {}), "usr_me")).toEqual({
      kind: "gone",
      message: PROJECT_DELETED,
    });
    expect(workspaceEffect("file.created", event("usr_bob", {}), "usr_me").kind).toBe("none");
  });
});

describe("access", () => {
  it("says why the server took the client out of the project", () => {
    expect(leftMessage({ reason: "project_deleted" })).toBe(PROJECT_DELETED);
    expect(leftMessage({ reason: "access_revoked" })).toBe(ACCESS_LOST);
  });

  it("lets owners, editors and admins edit; viewers and non-members read", () => {
    expect(canEditFiles("owner", "user")).toBe(true);
    expect(canEditFiles("editor", "user")).toBe(true);
    expect(canEditFiles("viewer", "user")).toBe(false);
    expect(canEditFiles(null, "user")).toBe(false);
    expect(canEditFiles(null, "admin")).toBe(true);
  });

  it("lets any member post in the channel, and admins", () => {
    expect(canPostInChannel("viewer", "user")).toBe(true);
    expect(canPostInChannel(null, "user")).toBe(false);
    expect(canPostInChannel(undefined, "admin")).toBe(true);
  });

  it("caps the unread badge at 99+", () => {
    expect(badgeCount(1)).toBe("1");
    expect(badgeCount(99)).toBe("99");
    expect(badgeCount(100)).toBe("99+");
  });
});
