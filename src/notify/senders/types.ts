/** What a sender is handed and what it reports; shared by every channel type. */

export interface AlertNotice {
  tenantId: string;
  alertId: number;
  transition: "OPEN" | "ACKNOWLEDGED" | "CLOSED" | "ESCALATED";
  level: number;
  alertType: string;
  severity: number;
  status: string;
  summary: string;
  deviceId: string | null;
  siteId: string | null;
  fingerprint: string;
  openedAt: string;
  details: Record<string, unknown>;
  /** Stable per (alert, channel, transition, level): receivers dedupe on it. */
  idempotencyKey: string;
  /** E-mail: send to these instead of the channel's `to` (the on-call responder). */
  recipients?: string[];
  /** Link to the alert in the console, when the install knows its public URL. */
  link?: string;
}

/**
 * `status`: the HTTP status, or the SMTP reply code for e-mail. `error` is at most 500
 * characters and never holds a channel secret.
 */
export interface SendResult {
  ok: boolean;
  status?: number;
  error?: string;
  retryable: boolean;
}
