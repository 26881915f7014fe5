import { lazy, Suspense } from "react";
import { Link } from "../router.tsx";
import { ErrorBoundary } from "../ui/error-boundary.tsx";
import { Spinner } from "../ui/feedback.tsx";
import { ApiKeysSection } from "./api-keys.tsx";
import { PasswordSection } from "./password.tsx";
import { PrivacySection } from "./privacy.tsx";
import { ProfileSection } from "./profile.tsx";
import { SessionsSection } from "./sessions.tsx";
import { TwoFactorSection } from "./two-factor.tsx";

// Loaded when opened (with the push and service-worker code).
const NotificationSettings = lazy(() =>
  import("../notifications/preferences.tsx").then((module) => ({ default: module.NotificationSettings })),
);

const TABS = [
  { id: "security", label: "Password and 2FA" },
  { id: "profile", label: "Profile" },
  { id: "sessions", label: "Sessions" },
  { id: "api-keys", label: "API keys" },
  { id: "notifications", label: "Notifications" },
  { id: "privacy", label: "Privacy" },
] as const;

export function AccountPage({ tab }: { tab: string }) {
  const active = TABS.find((candidate) => candidate.id === tab) ?? TABS[0];
  return (
    <section className="account">
      <h1>Settings</h1>
      <nav className="subnav" aria-label="Settings sections">
        {TABS.map((candidate) => (
          <Link
            key={candidate.id}
            href={candidate.id === "security" ? "/settings" : `/settings/${candidate.id}`}
            aria-current={candidate.id === active.id ? "page" : undefined}
          >
            {candidate.label}
          </Link>
        ))}
      </nav>
      {active.id === "security" && (
        <>
          <PasswordSection />
          <TwoFactorSection />
        </>
      )}
      {active.id === "profile" && <ProfileSection />}
      {active.id === "sessions" && <SessionsSection />}
      {active.id === "api-keys" && <ApiKeysSection />}
      {active.id === "privacy" && <PrivacySection />}
      {active.id === "notifications" && (
        <ErrorBoundary what="your notification settings">
          <Suspense fallback={<Spinner label="Loading notification settings…" />}>
            <NotificationSettings />
          </Suspense>
        </ErrorBoundary>
      )}
    </section>
  );
}
