/** The wire formats of the chat and paging channels, and the wording they share with e-mail. */
import { severityName } from "../../platform/severity";
import type { AlertNotice } from "./types";

export { severityName };

/** A closed alert is good news whatever its severity. */
function colorOf(n: AlertNotice): string {
  if (n.transition === "CLOSED") return "#2eb67d";
  if (n.severity >= 5) return "#d1242f";
  if (n.severity === 4) return "#e8590c";
  if (n.severity === 3) return "#f0b429";
  return "#8b949e";
}

/** What the alert is about: the device, else the site, else the tenant. */
export const subjectOf = (n: AlertNotice) => n.deviceId ?? (n.siteId ? `site ${n.siteId}` : `tenant ${n.tenantId}`);

/** `[CRITICAL] OPEN THRESHOLD: dev-1 — Temperature above 80`, on one line. */
export function headline(n: AlertNotice): string {
  const text = `[${severityName(n.severity).toUpperCase()}] ${n.transition} ${n.alertType}: ${subjectOf(n)} — ${n.summary}`;
  return text.replace(/\s+/g, " ").trim();
}

/** Label/value pairs every human-readable format shows, in order. */
export function facts(n: AlertNotice): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ["Severity", `${severityName(n.severity).toUpperCase()} (${n.severity})`],
    ["Status", n.status],
    ["Type", n.alertType],
  ];
  if (n.deviceId) out.push(["Device", n.deviceId]);
  if (n.siteId) out.push(["Site", n.siteId]);
  out.push(["Opened", n.openedAt]);
  if (n.level > 0) out.push(["Escalation level", String(n.level)]);
  out.push(["Alert", String(n.alertId)]);
  return out;
}

/** Slack reads <…> as links and mentions (<!channel>): device data must not ping anyone. */
const slackEscape = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function slackMessage(n: AlertNotice): Record<string, unknown> {
  return {
    text: slackEscape(headline(n)),
    attachments: [
      {
        color: colorOf(n),
        title: slackEscape(n.summary),
        ...(n.link ? { title_link: n.link } : {}),
        fields: facts(n).map(([title, value]) => ({ title, value: slackEscape(value), short: true })),
        footer: "Pulse",
      },
    ],
  };
}

export function teamsMessage(n: AlertNotice): Record<string, unknown> {
  return {
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    summary: headline(n),
    themeColor: colorOf(n).slice(1),
    title: headline(n),
    sections: [{ activityTitle: n.summary, facts: facts(n).map(([name, value]) => ({ name, value })), markdown: false }],
    ...(n.link ? { potentialAction: [{ "@type": "OpenUri", name: "Open in Pulse", targets: [{ os: "default", uri: n.link }] }] } : {}),
  };
}

const PD_ACTIONS = { OPEN: "trigger", ESCALATED: "trigger", ACKNOWLEDGED: "acknowledge", CLOSED: "resolve" } as const;

function pagerDutySeverity(severity: number): string {
  if (severity >= 5) return "critical";
  if (severity === 4) return "error";
  if (severity === 3) return "warning";
  return "info";
}

/** PagerDuty Events v2. One incident per alert (the dedup key); the payload goes with triggers only. */
export function pagerDutyEvent(n: AlertNotice, routingKey: string): Record<string, unknown> {
  const action = PD_ACTIONS[n.transition];
  const event: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: `pulse-${n.tenantId}-${n.alertId}` };
  if (action !== "trigger") return event;
  const metric = n.details.metric;
  event.payload = {
    summary: headline(n).slice(0, 1024),
    source: n.deviceId ?? n.tenantId,
    severity: pagerDutySeverity(n.severity),
    timestamp: n.openedAt,
    // PagerDuty's "component" is the part of the source at fault: for a rule alert, its metric.
    ...(typeof metric === "string" ? { component: metric } : {}),
    ...(n.siteId ? { group: n.siteId } : {}),
    class: n.alertType,
    custom_details: { ...n.details, alertId: n.alertId, tenantId: n.tenantId, status: n.status, level: n.level, fingerprint: n.fingerprint },
  };
  if (n.link) event.links = [{ href: n.link, text: "Open in Pulse" }];
  return event;
}
