import { and, desc, eq, inArray, lt } from "drizzle-orm";
import type { Actor, RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { authorizeAccount } from "../policy.ts";
import type { OutboundHttp } from "../ports/outbound-http.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { deliverWebhook } from "./jobs.ts";
import { presentDelivery, presentWebhook, type WebhookView } from "./present.ts";
import { webhookAttempts, webhookDeliveries, webhooks } from "./schema.ts";
import type { WebhookSettings } from "./settings.ts";
import { generateWebhookSecret } from "./signing.ts";

/** Webhook secrets are sealed at rest; endpoint URLs are checked by the outbound HTTP port. */
export interface WebhookDeps extends EventDeps {
  box: SecretBox;
  http: OutboundHttp;
  webhooks: WebhookSettings;
}

export interface WebhookInput {
  url: string;
  events: string[];
  active?: boolean | undefined;
  description?: string | undefined;
}

async function assertDestinationAllowed(ctx: WebhookDeps, url: string): Promise<void> {
  const check = await ctx.http.check(url);
  if (!check.ok) throw new AppError("webhook_url_refused", check.reason);
}

/** The caller's own webhook; anyone else's is reported as not found. */
async function loadOwn(ctx: WebhookDeps, actor: Actor, webhookId: string) {
  const [row] = await ctx.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.ownerId, actor.userId)));
  if (!row) throw new AppError("not_found", "Webhook not found");
  return row;
}

export async function createWebhook(
  ctx: WebhookDeps,
  actor: Actor,
  input: WebhookInput,
  meta: RequestMeta,
): Promise<WebhookView & { secret: string }> {
  authorizeAccount(actor, "webhooks:manage");
  await assertDestinationAllowed(ctx, input.url);
  const secret = generateWebhookSecret();
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(webhooks)
      .values({
        id: newId("whk", now.getTime()),
        ownerId: actor.userId,
        url: input.url,
        events: [...new Set(input.events)],
        active: input.active ?? true,
        description: input.description ?? "",
        secret: ctx.box.seal(secret),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const target = { type: "webhook", id: inserted!.id };
    await recordAudit(tx, ctx.clock, { actor, action: "webhook.created", target, meta });
    return inserted!;
  });
  return { ...presentWebhook(row), secret };
}

export async function listWebhooks(
  ctx: WebhookDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page<WebhookView>> {
  authorizeAccount(actor, "webhooks:read");
  const rows = await ctx.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.ownerId, actor.userId), page.cursor ? lt(webhooks.id, page.cursor) : undefined))
    .orderBy(desc(webhooks.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, presentWebhook, (row) => row.id);
}

export async function getWebhook(ctx: WebhookDeps, actor: Actor, webhookId: string): Promise<WebhookView> {
  authorizeAccount(actor, "webhooks:read");
  return presentWebhook(await loadOwn(ctx, actor, webhookId));
}

export async function updateWebhook(
  ctx: WebhookDeps,
  actor: Actor,
  webhookId: string,
  patch: Partial<WebhookInput>,
): Promise<WebhookView> {
  authorizeAccount(actor, "webhooks:manage");
  await loadOwn(ctx, actor, webhookId);
  if (patch.url !== undefined) await assertDestinationAllowed(ctx, patch.url);
  const [row] = await ctx.db
    .update(webhooks)
    .set({
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      // Switching an endpoint back on clears why the server had switched it off.
      ...(patch.active !== undefined
        ? { active: patch.active, disabledReason: null, failingSince: null }
        : {}),
      updatedAt: ctx.clock.now(),
    })
    .where(eq(webhooks.id, webhookId))
    .returning();
  return presentWebhook(row!);
}

export async function deleteWebhook(
  ctx: WebhookDeps,
  actor: Actor,
  webhookId: string,
  meta: RequestMeta,
): Promise<void> {
  authorizeAccount(actor, "webhooks:manage");
  await loadOwn(ctx, actor, webhookId);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(webhooks).where(eq(webhooks.id, webhookId));
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "webhook.deleted",
      target: { type: "webhook", id: webhookId },
      meta,
    });
  });
}

/** A new secret; the old one keeps signing (a second signature) for the overlap, so receivers can switch. */
export async function rotateWebhookSecret(
  ctx: WebhookDeps,
  actor: Actor,
  webhookId: string,
  meta: RequestMeta,
): Promise<WebhookView & { secret: string }> {
  authorizeAccount(actor, "webhooks:manage");
  const current = await loadOwn(ctx, actor, webhookId);
  const secret = generateWebhookSecret();
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(webhooks)
      .set({
        secret: ctx.box.seal(secret),
        previousSecret: current.secret,
        previousSecretExpiresAt: new Date(now.getTime() + ctx.webhooks.rotationOverlapMs),
        updatedAt: now,
      })
      .where(eq(webhooks.id, webhookId))
      .returning();
    await recordAudit(tx, ctx.clock, {
      actor,
      action: "webhook.secret_rotated",
      target: { type: "webhook", id: webhookId },
      meta,
    });
    return updated!;
  });
  return { ...presentWebhook(row), secret };
}

/** Sends `webhook.test` to this endpoint only, through the same log and delivery path as real events. */
export async function sendTestEvent(ctx: WebhookDeps, actor: Actor, webhookId: string): Promise<void> {
  authorizeAccount(actor, "webhooks:manage");
  await loadOwn(ctx, actor, webhookId);
  await transact(ctx, async (_tx, emit) => {
    emit({ type: "webhook.test", actorId: actor.userId, data: { webhookId } }, { audience: [actor.userId] });
  });
}

export async function listDeliveries(
  ctx: WebhookDeps,
  actor: Actor,
  webhookId: string,
  page: PageRequest,
): Promise<Page<ReturnType<typeof presentDelivery>>> {
  authorizeAccount(actor, "webhooks:read");
  await loadOwn(ctx, actor, webhookId);
  const rows = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        page.cursor ? lt(webhookDeliveries.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit + 1);
  const ids = rows.slice(0, page.limit).map((row) => row.id);
  const attempts =
    ids.length === 0
      ? []
      : await ctx.db
          .select()
          .from(webhookAttempts)
          .where(inArray(webhookAttempts.deliveryId, ids))
          .orderBy(webhookAttempts.id);
  return toPage(
    rows,
    page.limit,
    (row) =>
      presentDelivery(
        row,
        attempts.filter((attempt) => attempt.deliveryId === row.id),
      ),
    (row) => row.id,
  );
}

/** Tries a failed delivery again (same webhook-id), with a fresh schedule. */
export async function retryDelivery(
  ctx: WebhookDeps,
  actor: Actor,
  webhookId: string,
  deliveryId: string,
): Promise<void> {
  authorizeAccount(actor, "webhooks:manage");
  await loadOwn(ctx, actor, webhookId);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ status: "pending", attempts: 0, updatedAt: ctx.clock.now() })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.webhookId, webhookId),
          eq(webhookDeliveries.status, "failed"),
        ),
      )
      .returning({ id: webhookDeliveries.id });
    if (!row) {
      const [exists] = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId)));
      if (!exists) throw new AppError("not_found", "Delivery not found");
      throw new AppError("not_retryable", "This delivery has not failed");
    }
    await enqueueJob(
      tx,
      ctx.clock,
      deliverWebhook,
      { deliveryId },
      {
        maxAttempts: ctx.webhooks.retryScheduleMs.length + 1,
      },
    );
  });
}
