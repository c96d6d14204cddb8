/**
 * One NOTIFY job: an alert transition routed to its channels and sent. Each (transition,
 * channel) pair has a delivery row keyed by an idempotency key, so a redelivered job never
 * sends what was already sent; a failed send is retried with backoff (the message is nak'ed),
 * and a send that keeps failing, or is refused for good, ends as a dead letter.
 */
import { asWorker, type Sql } from "../../platform/db";
import type { Logger } from "../../platform/log";
import type { NotifyJob } from "../../platform/subjects";
import type { EgressPolicy } from "../../notify/egress";
import { onCallAt, type Schedule } from "../../notify/oncall";
import { backoffMs, matchRouting } from "../../notify/routing";
import { parseChannelConfig, sendNotice, type AlertNotice, type ChannelType, type SendResult } from "../../notify/senders";
import * as q from "../../notify/delivery-queries";

export interface DeliverSettings {
  deliverAttempts: number;
  deliverBackoffMs: number;
  deliverMaxBackoffMs: number;
}

export interface NotifyDeps {
  sql: Sql;
  log: Logger;
  egress: EgressPolicy;
  settings: DeliverSettings;
  /** Counts sends by channel type and result. */
  sent(type: string, result: "sent" | "failed" | "dead"): void;
}

interface Target {
  channel: q.ChannelRow;
  recipients: string[];
}

/** "ack" when every target is settled (sent or dead), else the delay before trying again. */
export async function handleNotify(deps: NotifyDeps, job: NotifyJob, delivery = 1): Promise<{ retryInMs: number | null }> {
  const alert = await asWorker(deps.sql, (tx) => q.notifyAlert(tx, job.tenant, job.alertId));
  if (!alert) return { retryInMs: null };
  // An ack or a resolve must not overtake the announcement it follows (a PagerDuty incident
  // opened after its resolve would stay open): wait while that one is still being retried.
  if ((job.transition === "ACKNOWLEDGED" || job.transition === "CLOSED") && !job.replayDeliveryId) {
    if (await asWorker(deps.sql, (tx) => q.earlierUnsent(tx, job.tenant, job.alertId, job.eventId))) {
      // Backing off by this job's own deliveries keeps it alive (the bus gives up after 20) for as long as the announcement retries.
      return { retryInMs: backoffMs(delivery, deps.settings.deliverBackoffMs, deps.settings.deliverMaxBackoffMs) };
    }
  }
  const targets = await targetsFor(deps, job, alert);
  if (targets.length === 0) return { retryInMs: null };
  const keys = targets.map((t) => ({ key: `${job.eventId}:${t.channel.channelId}`, channelId: t.channel.channelId, channelType: t.channel.channelType, recipients: t.recipients }));
  const rows = job.replayDeliveryId
    ? [await asWorker(deps.sql, (tx) => q.deliveryById(tx, job.tenant, job.replayDeliveryId!))].filter((r) => r !== undefined)
    : await asWorker(deps.sql, (tx) => q.claimDeliveries(tx, job.tenant, job, keys));
  let worstAttempt = 0;
  await Promise.all(
    rows.map(async (row) => {
      if (row.status === "SENT" || row.status === "DEAD") return;
      const target = targets.find((t) => t.channel.channelId === row.channelId);
      if (!target) return;
      const outcome = await deliverOne(deps, job, alert, target, row);
      // "busy": another copy of this job holds the send; look again later (it may have died).
      if (outcome === "retry" || outcome === "busy") worstAttempt = Math.max(worstAttempt, row.attempts + 1);
    }),
  );
  return { retryInMs: worstAttempt > 0 ? backoffMs(Math.max(worstAttempt, delivery), deps.settings.deliverBackoffMs, deps.settings.deliverMaxBackoffMs) : null };
}

async function deliverOne(deps: NotifyDeps, job: NotifyJob, alert: q.NotifyAlert, t: Target, row: q.DeliveryRow): Promise<"sent" | "retry" | "dead" | "busy"> {
  const type = t.channel.channelType as ChannelType;
  if (!(await asWorker(deps.sql, (tx) => q.claimSend(tx, job.tenant, row)))) return "busy";
  let result: SendResult;
  try {
    const config = parseChannelConfig(type, t.channel.config);
    result = await sendNotice(type, config, notice(job, alert, row, t.recipients), deps.egress);
  } catch (err) {
    result = { ok: false, retryable: false, error: `channel configuration is no longer valid: ${(err as Error).message}` };
  }
  const attempts = row.attempts + 1;
  if (result.ok) {
    await asWorker(deps.sql, (tx) => q.recordAttempt(tx, job.tenant, row.deliveryId, { status: "SENT", responseStatus: result.status }));
    deps.sent(type, "sent");
    return "sent";
  }
  const dead = !result.retryable || attempts >= deps.settings.deliverAttempts;
  await asWorker(deps.sql, async (tx) => {
    await q.recordAttempt(tx, job.tenant, row.deliveryId, { status: dead ? "DEAD" : "FAILED", responseStatus: result.status, error: result.error });
    if (!dead) return;
    const payload = new TextEncoder().encode(JSON.stringify({ alertId: job.alertId, eventId: job.eventId, transition: job.transition, level: job.level }));
    await q.insertDeadLetter(tx, {
      tenant: job.tenant, source: "notification", sourceId: t.channel.channelId, payload, destinationType: type,
      destination: t.channel.name, error: result.error ?? `HTTP ${result.status}`, attempts, deliveryId: row.deliveryId,
    });
  });
  deps.log.warn(dead ? "notification given up: dead letter written" : "notification failed, will retry", {
    tenant: job.tenant, alertId: job.alertId, channel: t.channel.channelId, type, attempts, error: result.error,
  });
  deps.sent(type, dead ? "dead" : "failed");
  return dead ? "dead" : "retry";
}

function notice(job: NotifyJob, a: q.NotifyAlert, row: q.DeliveryRow, recipients: string[]): AlertNotice {
  return {
    tenantId: job.tenant, alertId: a.alertId, transition: job.transition, level: job.level, alertType: a.alertType,
    severity: a.severity, status: a.status, summary: a.summary, deviceId: a.deviceId, siteId: a.siteId,
    fingerprint: a.fingerprint, openedAt: a.openedAt.toISOString(), details: a.details,
    idempotencyKey: row.idempotencyKey, ...(recipients.length > 0 ? { recipients } : {}),
  };
}

async function targetsFor(deps: NotifyDeps, job: NotifyJob, alert: q.NotifyAlert): Promise<Target[]> {
  return asWorker(deps.sql, async (tx) => {
    if (job.replayDeliveryId) {
      const row = await q.deliveryById(tx, job.tenant, job.replayDeliveryId);
      const [channel] = row?.channelId ? await q.channels(tx, job.tenant, [row.channelId]) : [];
      return channel ? [{ channel, recipients: row!.recipients }] : [];
    }
    const silenced = alert.silencedUntil !== null && alert.silencedUntil.getTime() > Date.now();
    if (silenced && job.transition !== "CLOSED") return [];
    if (job.transition === "ESCALATED") return escalationTargets(tx, job, alert);
    const chosen = matchRouting(await q.routingRules(tx, job.tenant), alert, job.transition);
    if (job.transition === "OPEN") {
      const throttled = await q.throttledChannels(tx, job.tenant, alert.fingerprint, alert.alertId, new Map([...chosen].filter(([, m]) => m > 0)));
      for (const id of throttled) chosen.delete(id);
    } else {
      for (const id of await q.channelsThatTriggered(tx, job.tenant, alert.alertId)) if (!chosen.has(id)) chosen.set(id, 0);
    }
    const rows = await q.channels(tx, job.tenant, [...chosen.keys()]);
    return rows.filter((c) => c.enabled).map((channel) => ({ channel, recipients: [] }));
  });
}

/** Level n of the alert's policy: its channels, with e-mail going to whoever is on call. */
async function escalationTargets(tx: Parameters<Parameters<typeof asWorker>[1]>[0], job: NotifyJob, alert: q.NotifyAlert): Promise<Target[]> {
  if (!alert.escalationPolicyId) return [];
  const level = (await q.escalationLevels(tx, job.tenant, alert.escalationPolicyId))[job.level - 1];
  if (!level) return [];
  const rows = (await q.channels(tx, job.tenant, level.channelIds)).filter((c) => c.enabled);
  let recipients: string[] = [];
  if (level.scheduleId) {
    const s = await q.scheduleRows(tx, job.tenant, level.scheduleId);
    const shift = s ? onCallAt(toSchedule(s), new Date()) : null;
    if (shift?.responder.email) recipients = [shift.responder.email];
  }
  return rows.map((channel) => ({ channel, recipients: channel.channelType === "email" ? recipients : [] }));
}

function toSchedule(s: NonNullable<Awaited<ReturnType<typeof q.scheduleRows>>>): Schedule {
  return {
    scheduleId: s.scheduleId,
    name: s.name,
    timezone: s.timezone,
    layers: s.layers.map((l) => ({ layerId: l.layerId, name: l.name, order: l.layerOrder, rotation: l.rotation, shiftHours: l.shiftHours, startsAt: l.startsAt, responders: l.responders })),
    overrides: s.overrides,
  };
}
