import { Component, type ErrorInfo, type ReactNode } from "react";
import { describeError } from "../api/errors.ts";

/**
 * Shows a failure inside part of the page (a lazily loaded chunk that could not be fetched, a
 * render error) in words, instead of a blank screen.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; what: string }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.warn(`Could not show ${this.props.what}`, error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    const chunk = /dynamically imported module|Importing a module script failed|error loading/i.test(
      describeError(this.state.error),
    );
    return (
      <div className="error" role="alert">
        <span className="error-icon" aria-hidden="true">
          !
        </span>
        <div className="error-body">
          <p>
            Could not show {this.props.what}.{" "}
            {chunk
              ? "Part of the app could not be downloaded: check your connection, then reload."
              : describeError(this.state.error)}
          </p>
        </div>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
