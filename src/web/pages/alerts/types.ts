/**
 * What the alert routes answer, as the console reads it (JSON: timestamps are ISO strings).
 * Mirrors the response schemas in src/http/routes/customer/{alerts,alert-rules,maintenance-windows}.ts.
 */
import type { z } from "zod";
import type { Recurrence, RuleScope, RuleType } from "../../../http/api/bodies/alerts";

export type AlertStatus = "OPEN" | "ACKNOWLEDGED" | "CLOSED";
export const ALERT_TYPES = ["NO_HEARTBEAT", "THRESHOLD", "WINDOW", "ANOMALY", "NO_TELEMETRY", "SYSTEM_HEALTH", "CERT_EXPIRING"] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface Alert {
  alertId: number;
  deviceId: string | null;
  siteId: string | null;
  ruleId: string | null;
  alertType: AlertType;
  fingerprint: string;
  status: AlertStatus;
  severity: number;
  severityName: string;
  summary: string;
  details: Record<string, unknown>;
  triggerCount: number;
  openedAt: string;
  lastTriggeredAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  closeReason: string | null;
  silencedUntil: string | null;
  silenced: boolean;
  escalationLevel: number;
  nextEscalationAt: string | null;
}

export interface AlertEvent {
  eventId: number;
  transition: string;
  level: number;
  actor: string;
  details: Record<string, unknown>;
  at: string;
}
export type AlertDetail = Alert & { events: AlertEvent[] };

export type Severities = Record<"info" | "low" | "medium" | "high" | "critical", number>;
export interface AlertSummary {
  total: number;
  silenced: number;
  byStatus: { OPEN: number; ACKNOWLEDGED: number };
  bySeverity: Severities;
}
export interface AlertTrend {
  from: string;
  to: string;
  bucket: "hour" | "day";
  buckets: { start: string; opened: Severities; openedTotal: number; closed: number }[];
}

export type Scope = z.output<typeof RuleScope>;

export interface AlertRule {
  ruleId: string;
  name: string;
  description: string | null;
  enabled: boolean;
  type: z.output<typeof RuleType>;
  severity: number;
  severityName: string;
  definition: Record<string, unknown>;
  scope: Scope;
  escalationPolicyId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BacktestAlert {
  deviceId: string;
  openedAt: string;
  closedAt: string | null;
  triggerCount: number;
  summary: string;
  details: Record<string, unknown>;
}
export interface BacktestResult {
  alerts: BacktestAlert[];
  samples: number;
  devices: number;
  truncated: boolean;
  notes: string[];
}

export interface MaintenanceWindow {
  windowId: string;
  name: string;
  enabled: boolean;
  startsAt: string;
  endsAt: string | null;
  recurrence: z.output<typeof Recurrence> | null;
  scope: Scope;
  activeNow: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The lists a scope picker chooses from. */
export interface Named {
  id: string;
  name: string;
}
