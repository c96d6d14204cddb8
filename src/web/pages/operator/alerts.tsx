/**
 * Alerts across tenants for operators: live counts per tenant by severity, the alert list with
 * tenant, status, severity and type filters, and (second tab) every tenant's alert rules.
 * Read-only: tenants handle their own alerts.
 */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { ago, dateTime, SEVERITIES } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { SeverityBadge, StatusBadge } from "../../ui/badges";
import { SelectField } from "../../ui/controls";
import { Card, KeyValue, Modal, PageHeader, Tabs } from "../../ui/layout";
import { DataTable, Pagination, QueryView } from "../../ui/table";
import { RulesTab } from "./alert-rules-tab";
import { afterKeyEvent, ALERT_STATUS_FILTERS, alertsQuery, PAGE_SIZE, pretty } from "./model";
import { TenantFilter } from "./tenant-filter";
import { ALERT_TYPES, type Alert } from "../alerts/types";

/** An alert as the operator list gives it: the tenant's alert with its tenant. */
interface TenantAlert extends Alert {
  tenantId: string;
}
interface TenantCounts {
  tenantId: string;
  total: number;
  bySeverity: Record<string, number>;
}

const SEVERITY_OPTIONS = [{ value: "", label: "Any severity" }, ...[2, 3, 4, 5].map((n) => ({ value: String(n), label: `${SEVERITIES[n]} or worse` }))];
const TYPE_OPTIONS = [{ value: "", label: "Any type" }, ...ALERT_TYPES.map((t) => ({ value: t, label: t.toLowerCase().replace(/_/g, " ") }))];
const WORST_FIRST = [5, 4, 3, 2, 1];

function Summary({ selected, onTenant }: { selected: string; onTenant: (t: string) => void }) {
  const q = useQuery({ queryKey: ["operator", "alerts", "summary"], queryFn: () => api.get<{ items: TenantCounts[] }>("/api/v1/operator/alerts/summary") });
  return (
    <Card title="Live alerts per tenant">
      <QueryView query={q}>
        {(d) => (
          <DataTable
            rows={[...d.items].sort((a, b) => b.total - a.total || a.tenantId.localeCompare(b.tenantId))}
            rowKey={(r) => r.tenantId}
            caption="Open and acknowledged alerts per tenant, by severity"
            empty="No tenant has an open or acknowledged alert."
            onRowClick={(r) => onTenant(r.tenantId)}
            selected={selected ? new Set([selected]) : undefined}
            columns={[
              { key: "t", header: "Tenant", cell: (r) => <button type="button" className="operator-link mono" aria-pressed={selected === r.tenantId} onClick={() => onTenant(r.tenantId)}>{r.tenantId}</button> },
              { key: "total", header: "Live", className: "num", cell: (r) => r.total.toLocaleString() },
              ...WORST_FIRST.map((s) => ({
                key: String(s),
                header: SEVERITIES[s]!,
                className: "num",
                cell: (r: TenantCounts) => {
                  const n = r.bySeverity[SEVERITIES[s]!] ?? 0;
                  return n ? <span className={`badge sev sev-${s}`}>{n.toLocaleString()}</span> : <span className="muted">0</span>;
                },
              })),
            ]}
          />
        )}
      </QueryView>
    </Card>
  );
}

function AlertModal({ a, onClose }: { a: TenantAlert; onClose: () => void }) {
  return (
    <Modal open title={`Alert ${a.alertId} · ${a.tenantId}`} onClose={onClose} wide>
      <div className="stack">
        <p className="operator-lead">{a.summary}</p>
        <KeyValue
          items={[
            ["Severity", <SeverityBadge severity={a.severity} />],
            ["Status", <StatusBadge status={a.status} />],
            ["Type", a.alertType],
            ["Tenant", a.tenantId],
            ["Device", a.deviceId ? <span className="mono">{a.deviceId}</span> : null],
            ["Site", a.siteId],
            ["Rule", a.ruleId ? <span className="mono">{a.ruleId}</span> : null],
            ["Triggered", `${a.triggerCount.toLocaleString()} times, last ${ago(a.lastTriggeredAt)}`],
            ["Opened", dateTime(a.openedAt)],
            ["Acknowledged", a.acknowledgedAt ? `${dateTime(a.acknowledgedAt)} by ${a.acknowledgedBy ?? "?"}` : null],
            ["Closed", a.closedAt ? `${dateTime(a.closedAt)} by ${a.closedBy ?? "?"}${a.closeReason ? ` (${a.closeReason})` : ""}` : null],
            ["Silenced until", a.silenced ? dateTime(a.silencedUntil) : null],
            ["Escalation level", String(a.escalationLevel)],
          ]}
        />
        {Object.keys(a.details).length ? <pre className="operator-json">{pretty(a.details)}</pre> : null}
      </div>
    </Modal>
  );
}

function AlertsTab({ f, filter, set }: { f: Record<"tenant" | "status" | "severity" | "type" | "offset", string>; filter: (p: Record<string, string | null>) => void; set: (p: Record<string, string | null>, push?: boolean) => void }) {
  const [open, setOpen] = useState<TenantAlert | null>(null);
  const query = alertsQuery(f);
  const list = useQuery({ queryKey: ["operator", "alerts", query], queryFn: () => api.get<Page<TenantAlert>>("/api/v1/operator/alerts", query), placeholderData: keepPreviousData });
  const filtered = !!(f.tenant || f.severity || f.type || f.status !== "live");
  return (
    <div className="stack">
      <Summary selected={f.tenant} onTenant={(tenant) => filter({ tenant: tenant === f.tenant ? null : tenant })} />
      <section aria-label="Alerts">
        <div className="toolbar" role="search" aria-label="Filter alerts">
          <TenantFilter value={f.tenant} onChange={(tenant) => filter({ tenant })} />
          <SelectField label="Status" value={f.status} options={ALERT_STATUS_FILTERS} onChange={(status) => filter({ status })} />
          <SelectField label="Severity" value={f.severity} options={SEVERITY_OPTIONS} onChange={(severity) => filter({ severity })} />
          <SelectField label="Type" value={f.type} options={TYPE_OPTIONS} onChange={(type) => filter({ type })} />
        </div>
        <DataTable
          query={list}
          rows={list.data?.items}
          rowKey={(a) => `${a.tenantId}/${a.alertId}`}
          caption="Alerts"
          onRowClick={afterKeyEvent(setOpen)}
          empty={filtered ? "No alert matches these filters. Widen the status or severity, or pick another tenant." : "No open or acknowledged alert on any tenant. Choose “Any status” to see closed ones."}
          columns={[
            { key: "sev", header: "Severity", cell: (a) => <SeverityBadge severity={a.severity} /> },
            { key: "summary", header: "Summary", cell: (a) => <button type="button" className="operator-link" onClick={() => setOpen(a)}>{a.summary}</button> },
            { key: "tenant", header: "Tenant", cell: (a) => <span className="mono">{a.tenantId}</span> },
            { key: "device", header: "Device", className: "operator-nowrap", cell: (a) => (a.deviceId ? <span className="mono">{a.deviceId}</span> : "—") },
            { key: "type", header: "Type", cell: (a) => a.alertType.toLowerCase().replace(/_/g, " ") },
            { key: "status", header: "Status", cell: (a) => <StatusBadge status={a.status} /> },
            { key: "opened", header: "Opened", className: "operator-nowrap", cell: (a) => <span title={dateTime(a.openedAt)}>{ago(a.openedAt)}</span> },
            { key: "n", header: "Triggers", className: "num", cell: (a) => a.triggerCount.toLocaleString() },
          ]}
        />
        {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      </section>
      {open ? <AlertModal a={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

const TABS = [
  { id: "alerts", label: "Alerts" },
  { id: "rules", label: "Rules" },
] as const;

export default function OperatorAlerts() {
  const [f, set] = useUrlState({ tab: "alerts", tenant: "", status: "live", severity: "", type: "", enabled: "", ruleType: "", offset: "0" });
  const filter = (patch: Record<string, string | null>) => set({ ...patch, offset: null });
  const tab = f.tab === "rules" ? "rules" : "alerts";
  return (
    <>
      <PageHeader title="Alerts" subtitle="Alerts and alert rules of every tenant (read-only: tenants handle their own)." />
      <Tabs label="Alerts or rules" tabs={TABS} value={tab} onChange={(t) => set({ tab: t, offset: null }, true)} />
      {tab === "alerts" ? <AlertsTab f={f} filter={filter} set={set} /> : <RulesTab f={f} filter={filter} set={set} />}
    </>
  );
}
