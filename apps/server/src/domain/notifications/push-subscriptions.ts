import { ECDH } from "node:crypto";
import type { pushSubscription } from "@codepark/protocol/api";
import { and, desc, eq, lt } from "drizzle-orm";
import type { z } from "zod";
import type { Actor, RequestMeta } from "../actor.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import { pushSubscriptions } from "./schema.ts";

type PushSubscriptionView = z.infer<typeof pushSubscription>;
type Row = typeof pushSubscriptions.$inferSelect;

const present = (row: Row): PushSubscriptionView => ({
  id: row.id,
  endpoint: row.endpoint,
  userAgent: row.userAgent,
  createdAt: row.createdAt.toISOString(),
});

export interface SubscribeInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Saves this browser's push subscription. An endpoint belongs to one browser profile: saving it
 * again (new keys, or another account signed in there) takes it over rather than duplicating it.
 * Deliveries go through the SSRF-guarded outbound client, which refuses private destinations.
 */
export async function subscribePush(
  ctx: EventDeps,
  actor: Actor,
  input: SubscribeInput,
  meta: RequestMeta,
): Promise<PushSubscriptionView> {
  authorizeAccount(actor, "notifications:manage");
  // Stored as web-push reads them: base64url without padding.
  const p256dh = input.keys.p256dh.replace(/=+$/, "");
  const auth = input.keys.auth.replace(/=+$/, "");
  assertP256Point(p256dh);
  const now = ctx.clock.now();
  const values = {
    userId: actor.userId,
    p256dh,
    auth,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
  };
  const [row] = await ctx.db
    .insert(pushSubscriptions)
    .values({ id: newId("psh", now.getTime()), endpoint: input.endpoint, createdAt: now, ...values })
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: values })
    .returning();
  return present(row!);
}

export async function listPushSubscriptions(
  ctx: EventDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page<PushSubscriptionView>> {
  authorizeAccount(actor, "notifications:read");
  const rows = await ctx.db
    .select()
    .from(pushSubscriptions)
    .where(
      and(
        eq(pushSubscriptions.userId, actor.userId),
        page.cursor ? lt(pushSubscriptions.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(pushSubscriptions.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, present, (row) => row.id);
}

export async function unsubscribePush(ctx: EventDeps, actor: Actor, id: string): Promise<void> {
  authorizeAccount(actor, "notifications:manage");
  const deleted = await ctx.db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, actor.userId)))
    .returning({ id: pushSubscriptions.id });
  if (deleted.length === 0) throw new AppError("not_found", "Push subscription not found");
}

/** A p256dh that is not a point on P-256 would only fail later, at every send: refuse it now. */
function assertP256Point(p256dh: string): void {
  try {
    ECDH.convertKey(Buffer.from(p256dh, "base64url"), "prime256v1");
  } catch {
    throw new AppError("validation_failed", "keys.p256dh is not a P-256 public key", [
      { path: "body.keys.p256dh", message: "not a point on P-256" },
    ]);
  }
}
