import { type ReactNode, Suspense } from "react";
import { ErrorBoundary } from "./error-boundary.tsx";
import { Spinner } from "./feedback.tsx";

/** A lazily loaded part of a page: a spinner while its code loads, and its own error boundary. */
export function LazyRegion({
  what,
  loading,
  children,
}: {
  what: string;
  loading: string;
  children: ReactNode;
}) {
  return (
    <ErrorBoundary what={what}>
      <Suspense fallback={<Spinner label={loading} />}>{children}</Suspense>
    </ErrorBoundary>
  );
}
