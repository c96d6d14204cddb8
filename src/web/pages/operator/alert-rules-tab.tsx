/** The rules tab of the operator alerts page: every tenant's alert rules, filtered, read-only. */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { ago, dateTime } from "../../lib/format";
import { SeverityBadge } from "../../ui/badges";
import { SelectField } from "../../ui/controls";
import { KeyValue, Modal } from "../../ui/layout";
import { DataTable, Pagination } from "../../ui/table";
import { afterKeyEvent, type RuleScope, PAGE_SIZE, pretty, rulesQuery, scopeText } from "./model";
import { TenantFilter } from "./tenant-filter";

interface TenantRule {
  tenantId: string;
  ruleId: string;
  name: string;
  description: string | null;
  enabled: boolean;
  type: string;
  severity: number;
  definition: Record<string, unknown>;
  scope: RuleScope;
  escalationPolicyId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const RULE_TYPES = ["threshold", "window", "telemetry_gap", "anomaly"];
const TYPE_OPTIONS = [{ value: "", label: "Any type" }, ...RULE_TYPES.map((t) => ({ value: t, label: t.replace(/_/g, " ") }))];
const ENABLED_OPTIONS = [
  { value: "", label: "Enabled or not" },
  { value: "true", label: "Enabled" },
  { value: "false", label: "Disabled" },
];

function RuleModal({ r, onClose }: { r: TenantRule; onClose: () => void }) {
  return (
    <Modal open title={`${r.name} · ${r.tenantId}`} onClose={onClose} wide>
      <div className="stack">
        {r.description ? <p>{r.description}</p> : null}
        <KeyValue
          items={[
            ["Tenant", r.tenantId],
            ["Type", r.type.replace(/_/g, " ")],
            ["Severity", <SeverityBadge severity={r.severity} />],
            ["Enabled", r.enabled ? "yes" : "no"],
            ["Scope", scopeText(r.scope)],
            ["Escalation policy", r.escalationPolicyId ? <span className="mono">{r.escalationPolicyId}</span> : null],
            ["Created", `${dateTime(r.createdAt)}${r.createdBy ? ` by ${r.createdBy}` : ""}`],
            ["Updated", dateTime(r.updatedAt)],
            ["Rule id", <span className="mono">{r.ruleId}</span>],
          ]}
        />
        <section>
          <h3 className="operator-h3">Definition</h3>
          <pre className="operator-json">{pretty(r.definition)}</pre>
        </section>
        {Object.values(r.scope).some((v) => v?.length) ? (
          <section>
            <h3 className="operator-h3">Scope</h3>
            <pre className="operator-json">{pretty(r.scope)}</pre>
          </section>
        ) : null}
      </div>
    </Modal>
  );
}

export function RulesTab({ f, filter, set }: { f: Record<"tenant" | "enabled" | "ruleType" | "offset", string>; filter: (p: Record<string, string | null>) => void; set: (p: Record<string, string | null>, push?: boolean) => void }) {
  const [open, setOpen] = useState<TenantRule | null>(null);
  const query = rulesQuery(f);
  const list = useQuery({ queryKey: ["operator", "alert-rules", query], queryFn: () => api.get<Page<TenantRule>>("/api/v1/operator/alert-rules", query), placeholderData: keepPreviousData });
  const filtered = !!(f.tenant || f.enabled || f.ruleType);
  return (
    <section aria-label="Alert rules">
      <div className="toolbar" role="search" aria-label="Filter rules">
        <TenantFilter value={f.tenant} onChange={(tenant) => filter({ tenant })} />
        <SelectField label="Enabled" value={f.enabled} options={ENABLED_OPTIONS} onChange={(enabled) => filter({ enabled })} />
        <SelectField label="Type" value={f.ruleType} options={TYPE_OPTIONS} onChange={(ruleType) => filter({ ruleType })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        rowKey={(r) => r.ruleId}
        caption="Alert rules"
        onRowClick={afterKeyEvent(setOpen)}
        empty={filtered ? "No rule matches these filters. Pick another tenant, type or state." : "No tenant has an alert rule yet. Tenants write rules under Alerts › Rules in their console."}
        columns={[
          { key: "name", header: "Rule", cell: (r) => <button type="button" className="operator-link" onClick={() => setOpen(r)}>{r.name}</button> },
          { key: "tenant", header: "Tenant", cell: (r) => <span className="mono">{r.tenantId}</span> },
          { key: "type", header: "Type", cell: (r) => r.type.replace(/_/g, " ") },
          { key: "sev", header: "Severity", cell: (r) => <SeverityBadge severity={r.severity} /> },
          { key: "enabled", header: "State", cell: (r) => <span className={`badge ${r.enabled ? "badge-ok" : ""}`}>{r.enabled ? "enabled" : "disabled"}</span> },
          { key: "scope", header: "Scope", cell: (r) => scopeText(r.scope) },
          { key: "updated", header: "Updated", className: "operator-nowrap", cell: (r) => <span title={dateTime(r.updatedAt)}>{ago(r.updatedAt)}</span> },
        ]}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      {open ? <RuleModal r={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}
