import type { ReactNode } from "react";
import { signOut, useSession } from "../api/use-session.ts";
import { NotificationBell } from "../notifications/bell.tsx";
import { Link } from "../router.tsx";

/** The top bar: brand, page-specific content (the workspace puts its controls here), account links. */
export function Header({ children }: { children?: ReactNode }) {
  const session = useSession();
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link href="/" className="brand">
        CodePark
      </Link>
      {children}
      <nav className="header-nav" aria-label="Account">
        <Link href="/">Projects</Link>
        <Link href="/messages" className="nav-messages">
          Messages
        </Link>
        <Link href="/settings">Settings</Link>
        <NotificationBell />
        <span className="user-name" title={session?.user.email}>
          {session?.user.name}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
    </header>
  );
}
