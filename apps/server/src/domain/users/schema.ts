import { bigint, index, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "../columns.ts";

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased so uniqueness is case-insensitive. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "user"] }).notNull(),
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
