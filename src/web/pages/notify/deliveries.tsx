/**
 * Deliveries & dead letters: the log of every notice sent or tried (filtered, paged) and the
 * messages given up on after their retries, which can be replayed or discarded. The tab, the
 * filters and the page offset live in the URL.
 */
import { useQuery } from "@tanstack/react-query";
import { DELIVERY_STATUSES } from "../../../http/api/bodies/notify";
import { api, type Page } from "../../lib/api";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, SelectField, TextField } from "../../ui/controls";
import { StatusBadge } from "../../ui/badges";
import { PageHeader, Tabs } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { DeadLetters } from "./dead-letters";
import { useAllChannels } from "./parts";
import { PATHS, type Delivery } from "./types";

const LIMIT = 50;
const FILTERS = { status: "", channel: "", alert: "", from: "", to: "", offset: "0" };

/** A datetime-local value (the reader's own zone) as an instant; "" stays absent. */
const instant = (local: string) => (local && !Number.isNaN(Date.parse(local)) ? new Date(local).toISOString() : local || undefined);

function When({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso} title={dateTime(iso)}>{ago(iso)}</time> : <span className="muted">—</span>;
}

const columns: Column<Delivery>[] = [
  { key: "when", header: "Created", className: "notify-nowrap", cell: (d) => <When iso={d.createdAt} /> },
  { key: "channel", header: "Channel", cell: (d) => <span>{d.channelName ?? <span className="muted">deleted</span>} <span className="muted">{d.channelType}</span></span> },
  { key: "alert", header: "Alert", className: "num", cell: (d) => (d.alertId === null ? "—" : `#${d.alertId}`) },
  { key: "transition", header: "Transition", cell: (d) => `${d.transition.toLowerCase()}${d.level ? ` · level ${d.level}` : ""}` },
  { key: "to", header: "Recipients", cell: (d) => <span className="notify-clip" title={d.recipients.join(", ")}>{d.recipients.join(", ") || "—"}</span> },
  { key: "status", header: "Status", cell: (d) => <StatusBadge status={d.status} /> },
  { key: "attempts", header: "Attempts", className: "num", cell: (d) => d.attempts },
  { key: "response", header: "HTTP", className: "num", cell: (d) => d.responseStatus ?? "—" },
  { key: "error", header: "Last error", cell: (d) => (d.lastError ? <span className="notify-clip notify-error-text" title={d.lastError}>{d.lastError}</span> : <span className="muted">—</span>) },
  { key: "sent", header: "Sent", className: "notify-nowrap", cell: (d) => <When iso={d.sentAt} /> },
];

function DeliveryLog() {
  const [f, setF] = useUrlState(FILTERS);
  const offset = Number(f.offset) || 0;
  const channels = useAllChannels();
  const query = useQuery({
    queryKey: ["deliveries", f],
    queryFn: () => api.get<Page<Delivery>>(PATHS.deliveries, { status: f.status, channelId: f.channel, alertId: f.alert.trim(), from: instant(f.from), to: instant(f.to), limit: LIMIT, offset }),
    refetchInterval: offset === 0 ? 15_000 : false,
  });
  const filtered = Object.entries(f).some(([k, v]) => k !== "offset" && v !== "");
  const set = (patch: Partial<typeof FILTERS>) => setF({ ...patch, offset: null });
  return (
    <>
      <div className="toolbar" role="search" aria-label="Filter deliveries">
        <SelectField label="Status" value={f.status} onChange={(status) => set({ status })} options={[{ value: "", label: "Any" }, ...DELIVERY_STATUSES.map((s) => ({ value: s, label: s.toLowerCase() }))]} />
        <SelectField label="Channel" value={f.channel} onChange={(channel) => set({ channel })} options={[{ value: "", label: "Any" }, ...(channels.data?.items ?? []).map((c) => ({ value: c.channelId, label: c.name }))]} />
        <TextField label="Alert id" inputMode="numeric" value={f.alert} onChange={(alert) => set({ alert })} />
        <TextField label="From" type="datetime-local" value={f.from} onChange={(from) => set({ from })} />
        <TextField label="Before" type="datetime-local" value={f.to} onChange={(to) => set({ to })} />
        {filtered ? <Button variant="ghost" onClick={() => setF({ status: null, channel: null, alert: null, from: null, to: null, offset: null })}>Clear filters</Button> : null}
      </div>
      <DataTable
        query={query}
        rows={query.data?.items}
        columns={columns}
        rowKey={(d) => String(d.deliveryId)}
        caption="Delivery log, newest first"
        empty={filtered ? "No deliveries match these filters. Widen or clear them." : "Nothing sent yet. Notices appear here once a routing rule sends an alert to a channel."}
      />
      {query.data ? <Pagination total={query.data.total} limit={LIMIT} offset={offset} onChange={(o) => setF({ offset: String(o) })} /> : null}
    </>
  );
}

const TABS = [
  { id: "log", label: "Delivery log" },
  { id: "dead", label: "Dead letters" },
] as const;

export default function DeliveriesPage() {
  const [url, setUrl] = useUrlState({ tab: "log", ...FILTERS, dlStatus: "", source: "" });
  const tab = url.tab === "dead" ? "dead" : "log";
  const reset = Object.fromEntries(Object.keys({ ...FILTERS, dlStatus: "", source: "" }).map((k) => [k, null]));
  return (
    <>
      <PageHeader title="Deliveries & dead letters" subtitle="Every notice sent or tried, and the messages given up on after their retries." />
      <Tabs label="Deliveries" tabs={TABS} value={tab} onChange={(t) => setUrl({ ...reset, tab: t }, true)} />
      <div role="tabpanel" aria-label={tab === "dead" ? "Dead letters" : "Delivery log"}>{tab === "log" ? <DeliveryLog /> : <DeadLetters />}</div>
    </>
  );
}
