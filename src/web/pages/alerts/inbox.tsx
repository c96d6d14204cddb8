/**
 * The alerts inbox (/alerts): live counts and the trend on top, then the alerts of one status
 * tab, filtered by severity, type, device, site and text (all in the URL), with per-row and bulk
 * acknowledge/close/silence for writers, and each alert's detail and history in a dialog.
 */
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useLive } from "../../lib/live";
import { useUrlState } from "../../lib/url-state";
import { SeverityBadge, StatusBadge } from "../../ui/badges";
import { PageHeader, Tabs } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { AlertActions } from "./alert-actions";
import { AlertDialog } from "./alert-detail";
import { BulkBar } from "./inbox-bulk";
import { InboxFilters } from "./inbox-filters";
import { InboxOverview } from "./inbox-overview";
import { alertsQuery, INBOX_DEFAULTS, PAGE_SIZE, STATUS_TABS, tabOf } from "./inbox-query";
import type { Alert } from "./types";

/** A short-lived note that something changed under the user's eyes. */
function useUpdatedCue() {
  const [cue, setCue] = useState<{ text: string; n: number } | null>(null);
  useLive({ alert: (a) => setCue((c) => ({ text: `alert ${a.alertId} ${a.event.toLowerCase()}`, n: (c?.n ?? 0) + 1 })) });
  useEffect(() => {
    if (!cue) return;
    const t = setTimeout(() => setCue(null), 6000);
    return () => clearTimeout(t);
  }, [cue]);
  return cue;
}

function columns(write: boolean): Column<Alert>[] {
  const cols: Column<Alert>[] = [
    {
      key: "state",
      header: "Severity · status",
      cell: (a) => (
        <span className="alerts-status">
          <SeverityBadge severity={a.severity} />
          <StatusBadge status={a.status} />
          {a.silenced ? <span className="badge" title={`until ${dateTime(a.silencedUntil)}`}>silenced</span> : null}
        </span>
      ),
    },
    { key: "summary", header: "Summary", cell: (a) => <span className="alerts-summary"><span>{a.summary}</span><span className="muted alerts-type">{a.alertType.toLowerCase().replaceAll("_", " ")}</span></span> },
    { key: "device", header: "Device", className: "alerts-nowrap", cell: (a) => (a.deviceId ? <Link href={`/devices/${encodeURIComponent(a.deviceId)}`}>{a.deviceId}</Link> : <span className="muted">—</span>) },
    { key: "opened", header: "Opened", cell: (a) => <time dateTime={a.openedAt} title={dateTime(a.openedAt)}>{ago(a.openedAt)}</time> },
    { key: "triggers", header: "Triggers", className: "num", cell: (a) => a.triggerCount },
  ];
  if (write) cols.push({ key: "actions", header: <span className="sr-only">Actions</span>, cell: (a) => <AlertActions alert={a} /> });
  return cols;
}

export default function Inbox() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [s, set] = useUrlState({ ...INBOX_DEFAULTS, alert: "" });
  const query = alertsQuery(s);
  const list = useQuery({ queryKey: ["alerts", "list", query], queryFn: () => api.get<Page<Alert>>("/api/v1/customer/alerts", query), placeholderData: keepPreviousData });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const cue = useUpdatedCue();
  const key = JSON.stringify(query);
  useEffect(() => setSelected(new Set()), [key]);
  const tab = tabOf(s.status);
  const rows = list.data?.items;
  return (
    <>
      <PageHeader
        title="Alerts"
        subtitle="What needs attention now, and how it has been handled."
        actions={cue ? <span key={cue.n} className="alerts-cue" role="status">Updated just now · {cue.text}</span> : null}
      />
      <InboxOverview range={s.trend} onRange={(trend) => set({ trend })} />
      <Tabs label="Alert status" tabs={STATUS_TABS.map((t) => ({ id: t.id, label: t.label }))} value={tab} onChange={(status) => set({ status, offset: null }, true)} />
      <InboxFilters state={s} set={set} />
      {write && selected.size ? <BulkBar rows={rows ?? []} selected={selected} onDone={() => setSelected(new Set())} /> : null}
      <DataTable
        query={list}
        rows={rows}
        columns={columns(write)}
        rowKey={(a) => String(a.alertId)}
        caption="Alerts"
        onRowClick={(a) => set({ alert: String(a.alertId) }, true)}
        selected={write ? selected : undefined}
        onSelect={write ? setSelected : undefined}
        empty={tab === "open" && query.offset === 0 ? "No open alerts match. All clear — or widen the filters, or look under All." : "No alerts match these filters. Clear a filter or pick another tab."}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={query.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      <AlertDialog alertId={s.alert ? Number(s.alert) : null} onClose={() => set({ alert: null })} />
    </>
  );
}
