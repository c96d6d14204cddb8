/**
 * Alerts as people handle them: the inbox, an alert's history, acknowledge, close and silence,
 * the trend and live counts. Every transition is written with its alert_events row and its
 * NOTIFY job (recordAlertEvents) in the same transaction.
 */
import { z } from "zod";
import * as q from "../../../alerts/alert-queries";
import { recordAlertEvents, type AlertTransition } from "../../../alerts/events";
import { SEVERITY_NAMES, severityName } from "../../../alerts/rules";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import type { Principal } from "../../../identity/principal";
import { AlertCloseBody, AlertSilenceBody, IsoTime } from "../../api/bodies/alerts";
import { route, type Call } from "../../api/route";
import { DeviceId, listParam, page, PageQuery, SiteId, Timestamp, Uuid } from "../../api/schemas";

const SEVERITIES = Object.values(SEVERITY_NAMES);
const obj = z.record(z.string(), z.unknown());

export const Alert = z.object({
  alertId: z.number().int(),
  deviceId: z.string().nullable(),
  siteId: z.string().nullable(),
  ruleId: Uuid.nullable(),
  alertType: z.enum(q.ALERT_TYPES),
  fingerprint: z.string(),
  status: z.enum(q.ALERT_STATUSES),
  severity: z.number().int().min(1).max(5),
  severityName: z.string(),
  summary: z.string(),
  details: obj,
  triggerCount: z.number().int(),
  openedAt: Timestamp,
  lastTriggeredAt: Timestamp,
  acknowledgedAt: Timestamp.nullable(),
  acknowledgedBy: z.string().nullable(),
  closedAt: Timestamp.nullable(),
  closedBy: z.string().nullable(),
  closeReason: z.string().nullable(),
  silencedUntil: Timestamp.nullable(),
  silenced: z.boolean().describe("Whether silencedUntil is still ahead"),
  escalationLevel: z.number().int(),
  nextEscalationAt: Timestamp.nullable(),
});

const AlertDetail = Alert.extend({
  events: z.array(z.object({ eventId: z.number().int(), transition: z.string(), level: z.number().int(), actor: z.string(), details: obj, at: Timestamp })),
});

/** Severity names with a count each (zero where none). */
export const BySeverity = z.object(Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>);
export const countBySeverity = (pairs: Iterable<[number, number]>) => {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<(typeof SEVERITIES)[number], number>;
  for (const [severity, n] of pairs) out[severityName(severity) as keyof typeof out] += n;
  return out;
};

export const toAlert = ({ tenantId: _t, ...a }: q.AlertRow) => ({ ...a, severityName: severityName(a.severity) });

export const AlertFilter = {
  status: listParam(z.enum(q.ALERT_STATUSES)).describe("Any of these statuses (comma-separated)"),
  minSeverity: z.coerce.number().int().min(1).max(5).optional(),
  type: z.enum(q.ALERT_TYPES).optional(),
};

/** Who did it, as alert rows and events record it. */
export const actorOf = (p: Principal | null) => p?.email ?? p?.subject ?? "unknown";

const AlertParams = z.object({ alertId: z.coerce.number({ error: "expected an alert id (a number)" }).int().positive().max(Number.MAX_SAFE_INTEGER) });
const alertNotFound = (id: number) => new PulseError("NOT_FOUND", `alert ${id} not found`);
const DAY = 86_400_000;
const MAX_BUCKETS = { hour: 31 * 24, day: 366 } as const;

async function detail(tx: Tx, alertId: number) {
  const a = await q.getAlert(tx, alertId);
  if (!a) throw alertNotFound(alertId);
  return { ...toAlert(a), events: await q.alertEvents(tx, alertId) };
}

/** The alert, locked for a transition: 404 when missing, 409 when its status does not allow it. */
async function lockFor(tx: Tx, alertId: number, verb: string, allowed: readonly q.AlertStatus[]): Promise<q.AlertRow> {
  const a = await q.getAlert(tx, alertId, { lock: true });
  if (!a) throw alertNotFound(alertId);
  if (!allowed.includes(a.status)) throw new PulseError("CONFLICT", `alert ${alertId} is ${a.status}; only ${allowed.join(" or ")} alerts can be ${verb}`);
  return a;
}

type Ctx = Pick<Call<unknown, unknown, unknown>, "tenantId" | "principal" | "audit">;

/** Records a transition (history, notification, audit) and answers with the alert as it now is. */
async function recorded(tx: Tx, c: Ctx, a: q.AlertRow, transition: AlertTransition, details: Record<string, unknown> = {}) {
  await recordAlertEvents(tx, [{ tenant: c.tenantId, alertId: a.alertId, transition, level: a.escalationLevel, actor: actorOf(c.principal), details }]);
  await c.audit(tx, { action: `alert.${transition.toLowerCase()}`, entityType: "alert", entityId: String(a.alertId), details });
  return detail(tx, a.alertId);
}

/** `from`/`to` with their defaults (the last 7 days), checked against the bucket count. */
function trendRange(f: { from?: Date; to?: Date; bucket: "hour" | "day" }): { from: Date; to: Date } {
  const to = f.to ?? new Date();
  const from = f.from ?? new Date(to.getTime() - 7 * DAY);
  const bad = (message: string) => new PulseError("BAD_REQUEST", `invalid query: query.from: ${message}`, { errors: [{ path: "query.from", message }] });
  if (from >= to) throw bad("from must be before to");
  if ((to.getTime() - from.getTime()) / (f.bucket === "hour" ? DAY / 24 : DAY) > MAX_BUCKETS[f.bucket]) {
    throw bad(`at most ${MAX_BUCKETS[f.bucket]} ${f.bucket}s between from and to`);
  }
  return { from, to };
}

export const alertRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/alerts",
    summary: "List alerts, newest first",
    tag: "alerts",
    access: "tenant-read",
    query: PageQuery.extend({
      ...AlertFilter,
      deviceId: DeviceId.optional(),
      siteId: SiteId.optional(),
      ruleId: Uuid.optional(),
      from: IsoTime.optional().describe("Opened at or after"),
      to: IsoTime.optional().describe("Opened before"),
      search: z.string().trim().min(1).max(200).optional().describe("Text in the summary"),
    }),
    response: page(Alert),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listAlerts(tx, query));
      return { items: items.map(toAlert), total, limit: query.limit, offset: query.offset };
    },
  }),
  // Before /alerts/:alertId, which would otherwise take "trend" and "summary" for ids.
  route({
    method: "get",
    path: "/api/v1/customer/alerts/trend",
    summary: "Alerts opened (by severity) and closed per hour or day (UTC); the last 7 days by day unless asked",
    tag: "alerts",
    access: "tenant-read",
    query: z.object({ from: IsoTime.optional(), to: IsoTime.optional(), bucket: z.enum(["hour", "day"]).default("day") }),
    response: z.object({ from: Timestamp, to: Timestamp, bucket: z.enum(["hour", "day"]), buckets: z.array(z.object({ start: Timestamp, opened: BySeverity, openedTotal: z.number().int(), closed: z.number().int() })) }),
    handler: async ({ tenant, query }) => {
      const range = trendRange(query);
      const rows = await tenant((tx) => q.alertTrend(tx, { ...range, bucket: query.bucket }));
      const buckets = rows.map((r) => {
        const opened = countBySeverity(Object.entries(r.opened).map(([s, n]) => [Number(s), n]));
        return { start: r.start, opened, openedTotal: Object.values(opened).reduce((a, b) => a + b, 0), closed: r.closed };
      });
      return { ...range, bucket: query.bucket, buckets };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/alerts/summary",
    summary: "Live (open and acknowledged) alerts counted by status and by severity",
    tag: "alerts",
    access: "tenant-read",
    response: z.object({ total: z.number().int(), silenced: z.number().int(), byStatus: z.object({ OPEN: z.number().int(), ACKNOWLEDGED: z.number().int() }), bySeverity: BySeverity }),
    handler: async ({ tenant }) => {
      const rows = await tenant((tx) => q.liveCounts(tx));
      const sum = (f: (r: q.LiveCount) => boolean) => rows.filter(f).reduce((n, r) => n + r.n, 0);
      return {
        total: sum(() => true),
        silenced: sum((r) => r.silenced),
        byStatus: { OPEN: sum((r) => r.status === "OPEN"), ACKNOWLEDGED: sum((r) => r.status === "ACKNOWLEDGED") },
        bySeverity: countBySeverity(rows.map((r) => [r.severity, r.n])),
      };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/alerts/:alertId",
    summary: "Get an alert with its history",
    tag: "alerts",
    access: "tenant-read",
    params: AlertParams,
    response: AlertDetail,
    handler: async ({ tenant, params }) => tenant((tx) => detail(tx, params.alertId)),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/alerts/:alertId/acknowledge",
    summary: "Acknowledge an open alert; this stops its escalation",
    tag: "alerts",
    access: "tenant-write",
    params: AlertParams,
    response: AlertDetail,
    handler: async ({ tenant, params, ...c }) =>
      tenant(async (tx) => {
        const a = await lockFor(tx, params.alertId, "acknowledged", ["OPEN"]);
        await q.acknowledgeAlert(tx, a.alertId, actorOf(c.principal));
        return recorded(tx, c, a, "ACKNOWLEDGED");
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/alerts/:alertId/close",
    summary: "Close an open or acknowledged alert",
    tag: "alerts",
    access: "tenant-write",
    params: AlertParams,
    body: AlertCloseBody,
    example: { reason: "replaced the sensor" },
    response: AlertDetail,
    handler: async ({ tenant, params, body, ...c }) =>
      tenant(async (tx) => {
        const a = await lockFor(tx, params.alertId, "closed", ["OPEN", "ACKNOWLEDGED"]);
        await q.closeAlerts(tx, { alertId: a.alertId }, { by: actorOf(c.principal), reason: body?.reason ?? null });
        return recorded(tx, c, a, "CLOSED", { reason: body?.reason ?? null });
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/alerts/:alertId/silence",
    summary: "Silence a live alert for 1 to 1440 minutes (it stays open; repeat triggers do not notify)",
    tag: "alerts",
    access: "tenant-write",
    params: AlertParams,
    body: AlertSilenceBody,
    example: { minutes: 60 },
    response: AlertDetail,
    handler: async ({ tenant, params, body, ...c }) =>
      tenant(async (tx) => {
        const a = await lockFor(tx, params.alertId, "silenced", ["OPEN", "ACKNOWLEDGED"]);
        const until = await q.setSilence(tx, a.alertId, body.minutes);
        return recorded(tx, c, a, "SILENCED", { minutes: body.minutes, until: until?.toISOString() });
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/alerts/:alertId/silence",
    summary: "Lift an alert's silence",
    tag: "alerts",
    access: "tenant-write",
    params: AlertParams,
    response: AlertDetail,
    handler: async ({ tenant, params, ...c }) =>
      tenant(async (tx) => {
        const a = await lockFor(tx, params.alertId, "unsilenced", ["OPEN", "ACKNOWLEDGED"]);
        if (!a.silenced) throw new PulseError("CONFLICT", `alert ${a.alertId} is not silenced`);
        await q.setSilence(tx, a.alertId, null);
        return recorded(tx, c, a, "UNSILENCED");
      }),
  }),
];
