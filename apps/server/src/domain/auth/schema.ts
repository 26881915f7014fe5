import { index, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";
import { users } from "../users/schema.ts";

/** One sign-in on one device; the family of its refresh tokens. Revoking it ends every token of it. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestampColumn("created_at").notNull(),
    lastSeenAt: timestampColumn("last_seen_at").notNull(),
    expiresAt: timestampColumn("expires_at").notNull(),
    revokedAt: timestampColumn("revoked_at"),
  },
  (table) => [index("sessions_user_idx").on(table.userId)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: timestampColumn("created_at").notNull(),
    expiresAt: timestampColumn("expires_at").notNull(),
    usedAt: timestampColumn("used_at"),
    /**
     * The token that replaced this one, sealed (SecretBox), kept for the reuse grace window only:
     * a client that races itself with the same token gets the same successor, not a revocation.
     */
    successorSealed: text("successor_sealed"),
  },
  (table) => [index("refresh_tokens_session_idx").on(table.sessionId)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the key, shown in lists so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    createdAt: timestampColumn("created_at").notNull(),
    lastUsedAt: timestampColumn("last_used_at"),
  },
  (table) => [index("api_keys_user_idx").on(table.userId)],
);

/** Keys generated on first start (JWT signing, at-rest encryption) so every node and restart shares them. */
export const instanceSecrets = pgTable("instance_secrets", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  createdAt: timestampColumn("created_at").notNull(),
});
