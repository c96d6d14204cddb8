/**
 * Alerts and rules across tenants, for operators. Every call is itself recorded in the operator
 * audit log.
 */
import { z } from "zod";
import * as aq from "../../../alerts/alert-queries";
import * as rq from "../../../alerts/rule-queries";
import { RuleType, severityName } from "../../../alerts/rules";
import { route } from "../../api/route";
import { page, PageQuery, TenantId } from "../../api/schemas";
import { AlertRule, toRule } from "../customer/alert-rules";
import { Alert, AlertFilter, BySeverity, countBySeverity } from "../customer/alerts";

const TenantAlert = Alert.extend({ tenantId: TenantId });
const TenantRule = AlertRule.extend({ tenantId: TenantId });
const TenantFilter = { tenantId: TenantId.optional() };

const withSeverityName = (a: aq.AlertRow) => ({ ...a, severityName: severityName(a.severity) });

/** Live counts per tenant: total and by severity. */
function perTenant(rows: aq.LiveCount[]) {
  const by = new Map<string, aq.LiveCount[]>();
  for (const r of rows) by.set(r.tenantId, [...(by.get(r.tenantId) ?? []), r]);
  return [...by].map(([tenantId, list]) => ({
    tenantId,
    total: list.reduce((n, r) => n + r.n, 0),
    bySeverity: countBySeverity(list.map((r) => [r.severity, r.n])),
  }));
}

export const operatorAlertRoutes = [
  route({
    method: "get",
    path: "/api/v1/operator/alerts",
    summary: "Alerts of every tenant, newest first",
    tag: "operator",
    access: "operator-read",
    query: PageQuery.extend({ ...TenantFilter, ...AlertFilter }),
    response: page(TenantAlert),
    handler: async ({ operator, query }) => {
      const { items, total } = await operator("alert.list", query.tenantId ?? null, (tx) => aq.listAlerts(tx, query));
      return { items: items.map(withSeverityName), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/operator/alerts/summary",
    summary: "Live (open and acknowledged) alerts per tenant, by severity",
    tag: "operator",
    access: "operator-read",
    response: z.object({ items: z.array(z.object({ tenantId: TenantId, total: z.number().int(), bySeverity: BySeverity })) }),
    handler: async ({ operator }) => ({ items: perTenant(await operator("alert.summary", null, (tx) => aq.liveCounts(tx))) }),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/alert-rules",
    summary: "Alert rules of every tenant (or of one)",
    tag: "operator",
    access: "operator-read",
    query: PageQuery.extend({ ...TenantFilter, enabled: z.enum(["true", "false"]).transform((v) => v === "true").optional(), type: RuleType.optional() }),
    response: page(TenantRule),
    handler: async ({ operator, query }) => {
      const { items, total } = await operator("alert_rule.list", query.tenantId ?? null, (tx) => rq.listRulesOfTenants(tx, query));
      return { items: items.map(toRule), total, limit: query.limit, offset: query.offset };
    },
  }),
];
