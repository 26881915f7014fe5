import type { UserPlan, UserRole } from "@codepark/protocol";
import type { users } from "./schema.ts";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  plan: UserPlan;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  createdAt: string;
}

export function presentUser(row: typeof users.$inferSelect): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    plan: row.plan,
    emailVerified: row.emailVerifiedAt !== null,
    twoFactorEnabled: row.totpSecret !== null,
    createdAt: row.createdAt.toISOString(),
  };
}
