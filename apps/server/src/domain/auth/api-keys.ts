import { API_KEY_PREFIX, type ApiKeyScope } from "@codepark/protocol";
import { and, desc, eq, lt } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import { notFound } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import { hashToken, newSecretToken } from "../tokens.ts";
import { apiKeyKeys } from "./api-key-cache.ts";
import { apiKeys } from "./schema.ts";

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
}

function present(row: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiKeyScope[],
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** Creates a key; the secret is returned this once and only its hash is kept. */
export async function createApiKey(
  ctx: EventDeps,
  userId: string,
  input: { name: string; scopes: ApiKeyScope[] },
  meta: RequestMeta,
): Promise<ApiKeyView & { key: string }> {
  const key = newSecretToken(API_KEY_PREFIX);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(apiKeys)
      .values({
        id: newId("key", now.getTime()),
        userId,
        name: input.name.trim(),
        prefix: key.slice(0, API_KEY_PREFIX.length + 6),
        keyHash: hashToken(key),
        scopes: [...new Set(input.scopes)],
        createdAt: now,
      })
      .returning();
    await recordAudit(tx, ctx.clock, {
      actor: { userId },
      action: "api_key.created",
      target: { type: "api_key", id: inserted!.id },
      meta,
      details: { name: inserted!.name, prefix: inserted!.prefix, scopes: inserted!.scopes },
    });
    return inserted!;
  });
  return { ...present(row), key };
}

export async function listApiKeys(
  ctx: EventDeps,
  userId: string,
  page: PageRequest,
): Promise<Page<ApiKeyView>> {
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), page.cursor ? lt(apiKeys.id, page.cursor) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, present, (row) => row.id);
}

export async function deleteApiKey(
  ctx: EventDeps,
  userId: string,
  keyId: string,
  meta: RequestMeta,
): Promise<void> {
  await transact(ctx, async (tx, emit, stale) => {
    const [deleted] = await tx
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId)))
      .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, keyHash: apiKeys.keyHash });
    if (!deleted) throw notFound("API key");
    stale(apiKeyKeys(deleted.keyHash));
    emit({ type: "api_key.revoked", actorId: userId, data: { userId, apiKeyId: keyId } });
    await recordAudit(tx, ctx.clock, {
      actor: { userId },
      action: "api_key.deleted",
      target: { type: "api_key", id: keyId },
      meta,
      details: { name: deleted.name, prefix: deleted.prefix },
    });
  });
}
