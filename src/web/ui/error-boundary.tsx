/** A page that throws while rendering shows the error, not a blank screen. */
import { Component, type ReactNode } from "react";

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null; path: string }> {
  override state = { error: null as Error | null, path: location.pathname };
  static getDerivedStateFromError(error: Error) {
    return { error, path: location.pathname };
  }
  override render() {
    // Navigating away clears it.
    if (this.state.error && this.state.path === location.pathname)
      return (
        <div className="state state-error" role="alert">
          <strong>This page failed.</strong> {this.state.error.message}{" "}
          <button type="button" className="btn btn-ghost" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    return this.props.children;
  }
}
