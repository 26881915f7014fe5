import { Link } from "../router.tsx";
import { ApiKeysSection } from "./api-keys.tsx";
import { SessionsSection } from "./sessions.tsx";
import { TwoFactorSection } from "./two-factor.tsx";

const TABS = [
  { id: "security", label: "Two-factor authentication" },
  { id: "sessions", label: "Sessions" },
  { id: "api-keys", label: "API keys" },
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
      {active.id === "security" && <TwoFactorSection />}
      {active.id === "sessions" && <SessionsSection />}
      {active.id === "api-keys" && <ApiKeysSection />}
    </section>
  );
}
