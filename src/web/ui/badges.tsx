/** Status, severity and connectivity badges: one color scale everywhere. */
import { severityName } from "../lib/format";

const TONES: Record<string, string> = {
  ONLINE: "ok", ACTIVE: "ok", CLOSED: "muted", SUCCEEDED: "ok", SENT: "ok", up: "ok",
  STALE: "warn", ACKNOWLEDGED: "warn", INACTIVE: "muted", PENDING: "warn", RETRYING: "warn",
  OFFLINE: "bad", OPEN: "bad", SUSPENDED: "bad", DECOMMISSIONED: "muted", FAILED: "bad", DEAD: "bad", down: "bad",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONES[status] ?? "muted"}`}>{status.toLowerCase()}</span>;
}

export function SeverityBadge({ severity }: { severity: number }) {
  return <span className={`badge sev sev-${severity}`}>{severityName(severity)}</span>;
}

export function Tag({ children }: { children: string }) {
  return <span className="tag">{children}</span>;
}
