import { useState } from "react";
import { apiRoutes, call } from "../api/client.ts";
import { useSession } from "../api/use-session.ts";
import { Link } from "../router.tsx";
import { ErrorMessage } from "../ui/feedback.tsx";
import { useAction } from "../ui/use-async.ts";

/**
 * While the account's address is unverified: what that means (docs/accounts.md) and a button to send
 * the link again. Hidden once verified (the verify page and the profile refresh the stored user).
 */
export function VerifyBanner() {
  const session = useSession();
  const [sent, setSent] = useState(false);
  const resend = useAction(async () => {
    await call(apiRoutes.account.resendVerification);
    setSent(true);
  });
  if (!session || session.user.emailVerified) return null;
  return (
    <div className="notice verify-banner" role="status">
      <p>
        Verify your email address: follow the link we sent to <strong>{session.user.email}</strong>. Until
        then you cannot be added to projects and no notifications are emailed to you.
      </p>
      {sent ? (
        <p>A new link is on its way. It works for 24 hours.</p>
      ) : (
        <p>
          <button
            type="button"
            className="link-button"
            onClick={() => void resend.run()}
            disabled={resend.busy}
          >
            {resend.busy ? "Sending…" : "Send the link again"}
          </button>{" "}
          · <Link href="/settings/profile">Change your email address</Link>
        </p>
      )}
      <ErrorMessage error={resend.error} onDismiss={resend.clearError} />
    </div>
  );
}
