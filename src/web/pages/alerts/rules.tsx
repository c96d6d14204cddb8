/**
 * Alert rules (/rules): every rule with its type, scope, severity, an enabled switch and when
 * it last fired; filters in the URL; "New rule" opens the editor.
 */
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { SeverityBadge } from "../../ui/badges";
import { Checkbox, SearchInput, SelectField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { RULE_TYPES } from "./rule-form";
import { scopeText, type ScopeNames } from "./scope";
import { useScopeNames } from "./scope-picker";
import type { Alert, AlertRule } from "./types";

const PAGE = 25;
const RULES = "/api/v1/customer/alert-rules";
const typeLabel = (t: string) => RULE_TYPES.find((x) => x.value === t)?.label ?? t;

/** The newest alert a rule opened (alert keys refresh when alerts change). */
function LastFired({ ruleId }: { ruleId: string }) {
  const q = useQuery({
    queryKey: ["alerts", "last-fired", ruleId],
    queryFn: async () => (await api.get<Page<Alert>>("/api/v1/customer/alerts", { ruleId, limit: 1 })).items[0] ?? null,
    staleTime: 60_000,
  });
  if (q.isPending) return <span className="muted">…</span>;
  if (q.isError || !q.data) return <span className="muted">{q.isError ? "—" : "never"}</span>;
  return <Link href={`/alerts?status=all&alert=${q.data.alertId}`} title={dateTime(q.data.lastTriggeredAt)}>{ago(q.data.lastTriggeredAt)}</Link>;
}

function EnabledSwitch({ rule, write }: { rule: AlertRule; write: boolean }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  async function toggle(enabled: boolean) {
    setBusy(true);
    try {
      await api.patch<AlertRule>(`${RULES}/${rule.ruleId}`, { enabled });
      toast(enabled ? `"${rule.name}" enabled` : `"${rule.name}" disabled; its live alerts were closed`);
      await Promise.all([qc.invalidateQueries({ queryKey: ["alert-rules"] }), qc.invalidateQueries({ queryKey: ["alerts"] })]);
    } catch (err) {
      toast(errorMessage(err), "bad");
    } finally {
      setBusy(false);
    }
  }
  return <Checkbox label={rule.enabled ? "on" : "off"} aria-label={`Enabled: ${rule.name}`} checked={rule.enabled} disabled={!write || busy} onChange={(v) => void toggle(v)} />;
}

function columns(write: boolean, names: ScopeNames): Column<AlertRule>[] {
  return [
    { key: "name", header: "Name", cell: (r) => <span className="alerts-summary"><Link href={`/rules/${r.ruleId}`}>{r.name}</Link>{r.description ? <span className="muted">{r.description}</span> : null}</span> },
    { key: "type", header: "Type", cell: (r) => typeLabel(r.type) },
    { key: "scope", header: "Scope", cell: (r) => <span className="alerts-scope-text">{scopeText(r.scope, names)}</span> },
    { key: "severity", header: "Severity", cell: (r) => <SeverityBadge severity={r.severity} /> },
    { key: "enabled", header: "Enabled", cell: (r) => <EnabledSwitch rule={r} write={write} /> },
    { key: "fired", header: "Last fired", cell: (r) => <LastFired ruleId={r.ruleId} /> },
  ];
}

export default function Rules() {
  const { me } = useAuth();
  const write = canWrite(me);
  const names = useScopeNames();
  const [s, set] = useUrlState({ q: "", type: "", enabled: "", offset: "0" });
  const offset = Math.max(0, Number(s.offset) || 0);
  const query = { search: s.q.trim() || undefined, type: s.type || undefined, enabled: s.enabled || undefined, limit: PAGE, offset };
  const list = useQuery({ queryKey: ["alert-rules", "list", query], queryFn: () => api.get<Page<AlertRule>>(RULES, query), placeholderData: keepPreviousData });
  const filtered = s.q || s.type || s.enabled;
  return (
    <>
      <PageHeader title="Alert rules" subtitle="What the platform watches for, and on which devices." actions={write ? <Link className="btn btn-primary alerts-btn-link" href="/rules/new">New rule</Link> : null} />
      <div className="toolbar" role="search" aria-label="Filter rules">
        <div className="field">
          <SearchInput label="Search rules" value={s.q} onChange={(q) => set({ q, offset: null })} />
        </div>
        <SelectField label="Type" value={s.type} onChange={(type) => set({ type, offset: null })} options={[{ value: "", label: "Any" }, ...RULE_TYPES.map((t) => ({ value: t.value, label: t.label }))]} />
        <SelectField label="Enabled" value={s.enabled} onChange={(enabled) => set({ enabled, offset: null })} options={[{ value: "", label: "Any" }, { value: "true", label: "Enabled" }, { value: "false", label: "Disabled" }]} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns(write, names)}
        rowKey={(r) => r.ruleId}
        caption="Alert rules"
        empty={filtered ? "No rules match these filters. Clear them to see every rule." : write ? "No alert rules yet. Create one with “New rule” — a threshold on a metric is a good start." : "No alert rules yet. A tenant admin can create them."}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE} offset={offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
    </>
  );
}
