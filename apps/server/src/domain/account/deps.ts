import type { AttemptDeps } from "../auth/login.ts";
import type { SessionDeps } from "../auth/sessions.ts";

/**
 * What the account lifecycle commands take: sessions (to revoke), the sealing box, the throttle of
 * password guesses, and PUBLIC_URL.
 */
export interface AccountDeps extends SessionDeps, AttemptDeps {
  /** PUBLIC_URL, the base of emailed links; without it they use the request's origin (links.ts). */
  links: { publicUrl?: string | undefined };
}
