import { REFRESH_TOKEN_PREFIX } from "@codepark/protocol";
import { and, desc, eq, gt, isNotNull, isNull, lt } from "drizzle-orm";
import type { RequestMeta } from "../actor.ts";
import { recordAudit } from "../audit/record.ts";
import type { EventDeps } from "../deps.ts";
import { AppError, notFound } from "../errors.ts";
import { transact } from "../events/outbox.ts";
import { newId } from "../ids.ts";
import { type Page, type PageRequest, toPage } from "../pagination.ts";
import type { Executor } from "../ports/database.ts";
import type { SecretBox } from "../ports/secret-box.ts";
import { hashToken, newSecretToken } from "../tokens.ts";
import { presentUser, type UserView } from "../users/present.ts";
import { users } from "../users/schema.ts";
import type { AccessTokens } from "./access-tokens.ts";
import { refreshTokens, sessions } from "./schema.ts";
import { sessionKeys } from "./session-cache.ts";

/** Sessions issue access tokens and refresh tokens that live for the configured number of days. */
export interface SessionDeps extends EventDeps {
  accessTokens: AccessTokens;
  limits: { refreshTokenTtlDays: number };
  /** Seals a rotated token's successor for the reuse grace window. */
  box: SecretBox;
}

/**
 * A used refresh token presented again this soon after its rotation, while its successor is still
 * unused, is the same client racing itself (parallel tabs, a retried request): it gets the same
 * successor. Later, or once the successor was used, it is reuse: the session is revoked (theft is
 * still caught at the next rotation, when one of the two holders presents a used token).
 */
export const REFRESH_REUSE_GRACE_MS = 10_000;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface AuthResult extends TokenPair {
  user: UserView;
}

const DAY_MS = 86_400_000;

async function issueRefreshToken(ctx: SessionDeps, tx: Executor, sessionId: string): Promise<string> {
  const token = newSecretToken(REFRESH_TOKEN_PREFIX);
  const now = ctx.clock.now();
  await tx.insert(refreshTokens).values({
    tokenHash: hashToken(token),
    sessionId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.limits.refreshTokenTtlDays * DAY_MS),
  });
  return token;
}

/**
 * The grace path: `known` was rotated less than REFRESH_REUSE_GRACE_MS ago and its successor is
 * unused and live, in a live session: the same successor again, with a fresh access token. Null
 * otherwise (then it is reuse, or invalid).
 */
async function racedRefresh(
  ctx: SessionDeps,
  tx: Executor,
  known: typeof refreshTokens.$inferSelect,
  now: Date,
): Promise<AuthResult | null> {
  if (!known.usedAt || !known.successorSealed) return null;
  if (now.getTime() - known.usedAt.getTime() > REFRESH_REUSE_GRACE_MS) return null;
  let successor: string;
  try {
    successor = ctx.box.open(known.successorSealed);
  } catch {
    return null;
  }
  const [row] = await tx
    .select({ user: users })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(refreshTokens.tokenHash, hashToken(successor)),
        isNull(refreshTokens.usedAt),
        gt(refreshTokens.expiresAt, now),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
      ),
    );
  if (!row) return null;
  const accessToken = await ctx.accessTokens.sign({ userId: row.user.id, sessionId: known.sessionId });
  return { user: presentUser(row.user), accessToken, refreshToken: successor };
}

/** Starts a session (one device) for a user who just proved who they are. */
export async function startSession(
  ctx: SessionDeps,
  tx: Executor,
  userId: string,
  meta: RequestMeta,
): Promise<TokenPair> {
  const now = ctx.clock.now();
  const sessionId = newId("ses", now.getTime());
  await tx.insert(sessions).values({
    id: sessionId,
    userId,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + ctx.limits.refreshTokenTtlDays * DAY_MS),
  });
  const refreshToken = await issueRefreshToken(ctx, tx, sessionId);
  const accessToken = await ctx.accessTokens.sign({ userId, sessionId });
  return { accessToken, refreshToken };
}

/**
 * Rotates a refresh token. Each token works once: presenting a used one means it was stolen or
 * replayed, so the whole session (token family) is revoked.
 */
export async function refreshSession(
  ctx: SessionDeps,
  token: string,
  meta: RequestMeta,
): Promise<AuthResult> {
  const tokenHash = hashToken(token);
  const now = ctx.clock.now();
  const outcome = await transact(ctx, async (tx, emit, stale) => {
    const [claimed] = await tx
      .update(refreshTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          isNull(refreshTokens.usedAt),
          gt(refreshTokens.expiresAt, now),
        ),
      )
      .returning({ sessionId: refreshTokens.sessionId });
    if (!claimed) {
      const [known] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
      const raced = known ? await racedRefresh(ctx, tx, known, now) : null;
      if (raced) return { result: raced } as const;
      if (known?.usedAt) {
        const [revoked] = await tx
          .update(sessions)
          .set({ revokedAt: now })
          .where(and(eq(sessions.id, known.sessionId), isNull(sessions.revokedAt)))
          .returning({ id: sessions.id, userId: sessions.userId });
        if (revoked) {
          stale(sessionKeys(revoked.id));
          emit({
            type: "session.revoked",
            actorId: null,
            data: { userId: revoked.userId, sessionId: revoked.id },
          });
          // The server revoked it, not a person; meta is whoever presented the used token.
          await recordAudit(tx, ctx.clock, {
            actor: null,
            action: "session.revoked",
            target: { type: "user", id: revoked.userId },
            meta,
            details: { sessionId: revoked.id, reason: "refresh_token_reused" },
          });
        }
        return { reused: true } as const;
      }
      return { invalid: true } as const;
    }
    const [row] = await tx
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(eq(sessions.id, claimed.sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)),
      );
    if (!row) return { invalid: true } as const;
    await tx.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.session.id));
    const refreshToken = await issueRefreshToken(ctx, tx, row.session.id);
    await tx
      .update(refreshTokens)
      .set({ successorSealed: ctx.box.seal(refreshToken) })
      .where(eq(refreshTokens.tokenHash, tokenHash));
    // Successors kept past the grace window are of no use any more: none stays readable for long.
    await tx
      .update(refreshTokens)
      .set({ successorSealed: null })
      .where(
        and(
          eq(refreshTokens.sessionId, row.session.id),
          isNotNull(refreshTokens.successorSealed),
          lt(refreshTokens.usedAt, new Date(now.getTime() - REFRESH_REUSE_GRACE_MS)),
        ),
      );
    const accessToken = await ctx.accessTokens.sign({ userId: row.user.id, sessionId: row.session.id });
    return { result: { user: presentUser(row.user), accessToken, refreshToken } } as const;
  });
  // The revocation above must commit, so the error is raised only after the transaction.
  if ("reused" in outcome) throw new AppError("refresh_token_reused");
  if ("invalid" in outcome) throw new AppError("refresh_token_invalid");
  return outcome.result;
}

/** Why a person ended a session: signing out of this one, or signing another device out. */
export type RevokeReason = "logout" | "revoked";

export async function revokeSession(
  ctx: SessionDeps,
  userId: string,
  sessionId: string,
  reason: RevokeReason,
  meta: RequestMeta,
): Promise<void> {
  await transact(ctx, async (tx, emit, stale) => {
    const [row] = await tx
      .update(sessions)
      .set({ revokedAt: ctx.clock.now() })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    if (!row) throw notFound("Session");
    stale(sessionKeys(sessionId));
    emit({ type: "session.revoked", actorId: userId, data: { userId, sessionId } });
    await recordAudit(tx, ctx.clock, {
      actor: { userId },
      action: "session.revoked",
      target: { type: "user", id: userId },
      meta,
      details: { sessionId, reason },
    });
  });
}

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** Active sessions of a user, newest first, cursor-paginated by id. */
export async function listSessions(
  ctx: SessionDeps,
  userId: string,
  currentSessionId: string | undefined,
  page: PageRequest,
): Promise<Page<SessionView>> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        page.cursor ? lt(sessions.id, page.cursor) : undefined,
      ),
    )
    .orderBy(desc(sessions.id))
    .limit(page.limit + 1);
  return toPage(
    rows,
    page.limit,
    (row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      lastSeenAt: row.lastSeenAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.id === currentSessionId,
    }),
    (row) => row.id,
  );
}
