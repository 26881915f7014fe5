import { type ComponentType, lazy, Suspense, useEffect } from "react";
import { AccountPage } from "./account/account-page.tsx";
import { VerifyBanner } from "./account/verify-banner.tsx";
import { safeReturnPath, useSession } from "./api/use-session.ts";
import { ForgotPasswordPage } from "./pages/forgot-password.tsx";
import { OidcSignInPage } from "./pages/oidc-sign-in.tsx";
import { ResetPasswordPage } from "./pages/reset-password.tsx";
import { SignInPage } from "./pages/sign-in.tsx";
import { SignUpPage } from "./pages/sign-up.tsx";
import { VerifyEmailPage } from "./pages/verify-email.tsx";
import { ProjectSettingsPage } from "./projects/project-settings.tsx";
import { ProjectsPage } from "./projects/projects-page.tsx";
import { Link, match, navigate, useLocation } from "./router.tsx";
import { ErrorBoundary } from "./ui/error-boundary.tsx";
import { Spinner } from "./ui/feedback.tsx";
import { Header } from "./ui/header.tsx";

// The workspace (Socket.IO, and through it Monaco and Yjs) loads only when a project is opened.
const WorkspacePage = lazy(() =>
  import("./workspace/workspace-page.tsx").then((module) => ({ default: module.WorkspacePage })),
);

// Chat outside a workspace (where mentions in direct conversations link to).
const MessagesPage = lazy(() =>
  import("./chat/messages-page.tsx").then((module) => ({ default: module.MessagesPage })),
);

const PUBLIC_PATHS = new Set(["/sign-in", "/sign-up", "/sign-in/oidc"]);

/** Pages emailed links open: shown signed in or not (a link may be opened on any device). */
const LINK_PAGES: Record<string, ComponentType> = {
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/verify-email": VerifyEmailPage,
};

export function App() {
  const session = useSession();
  const location = useLocation();
  const isPublic = PUBLIC_PATHS.has(location.path);
  const LinkPage = LINK_PAGES[location.path];

  useEffect(() => {
    if (LinkPage) return;
    if (!session && !isPublic) {
      navigate(`/sign-in?next=${encodeURIComponent(location.href)}`, { replace: true });
    } else if (session && isPublic) {
      navigate(safeReturnPath(location.query.get("next")), { replace: true });
    }
  }, [session, isPublic, location, LinkPage]);

  if (LinkPage) return <LinkPage />;
  if (!session) {
    if (location.path === "/sign-up") return <SignUpPage />;
    if (location.path === "/sign-in/oidc") return <OidcSignInPage />;
    return <SignInPage />;
  }
  if (isPublic) return <Spinner />;

  const workspace = match("/projects/:id", location.path);
  if (workspace) {
    return (
      <ErrorBoundary what="the workspace">
        <Suspense fallback={<Spinner label="Opening the workspace…" />}>
          <WorkspacePage projectId={workspace.id!} />
        </Suspense>
      </ErrorBoundary>
    );
  }
  return (
    <div className="page">
      <Header />
      <VerifyBanner />
      <main className="page-main" id="main">
        <Routed path={location.path} />
      </main>
    </div>
  );
}

function Routed({ path }: { path: string }) {
  if (path === "/" || path === "/projects") return <ProjectsPage />;
  const settings = match("/projects/:id/settings", path);
  if (settings) return <ProjectSettingsPage projectId={settings.id!} />;
  if (path === "/messages" || match("/messages/:id", path)) {
    return (
      <ErrorBoundary what="your messages">
        <Suspense fallback={<Spinner label="Loading messages…" />}>
          <MessagesPage conversationId={match("/messages/:id", path)?.id ?? null} />
        </Suspense>
      </ErrorBoundary>
    );
  }
  const account = match("/settings/:tab", path);
  if (path === "/settings" || account) return <AccountPage tab={account?.tab ?? "security"} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{path}</code>. <Link href="/">Go to your projects</Link>.
      </p>
    </section>
  );
}
