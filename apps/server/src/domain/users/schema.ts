import { bigint, index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased so uniqueness is case-insensitive. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "user"] }).notNull(),
  /** The rate-limit tier (limits.md): set by an admin; `free` for every new account. */
  plan: text("plan", { enum: ["free", "pro", "enterprise"] })
    .notNull()
    .default("free"),
  /** When the person proved they read mail at `email`; null until then (and again after a change). */
  emailVerifiedAt: timestampColumn("email_verified_at"),
  /** Sealed (AES-GCM) TOTP secrets: pending during setup, active once enabled. */
  totpPendingSecret: text("totp_pending_secret"),
  totpSecret: text("totp_secret"),
  /** Last accepted TOTP time step: a code is never accepted twice. */
  totpLastStep: bigint("totp_last_step", { mode: "number" }),
  createdAt: timestampColumn("created_at").notNull(),
  updatedAt: timestampColumn("updated_at").notNull(),
});

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestampColumn("used_at"),
  },
  (table) => [index("recovery_codes_user_idx").on(table.userId)],
);

/**
 * Single-use links sent by email (password reset, email verification, data export download), and the
 * one-time code that carries an OIDC sign-in from the callback to the web app. Only the token's hash
 * is stored; `email` is the address a verification proves (a change of address
 * waits here until verified).
 */
export const accountTokens = pgTable(
  "account_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", {
      enum: ["password_reset", "email_verification", "export_download", "oidc_sign_in"],
    }).notNull(),
    email: text("email"),
    createdAt: timestampColumn("created_at").notNull(),
    expiresAt: timestampColumn("expires_at").notNull(),
    usedAt: timestampColumn("used_at"),
  },
  (table) => [index("account_tokens_user_idx").on(table.userId, table.purpose)],
);

/** An external sign-in (OIDC) linked to an account: the issuer's stable subject, never the email. */
export const userIdentities = pgTable(
  "user_identities",
  {
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    createdAt: timestampColumn("created_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.issuer, table.subject] }),
    index("user_identities_user_idx").on(table.userId),
  ],
);
