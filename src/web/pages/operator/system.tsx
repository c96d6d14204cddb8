/**
 * System health for operators: which role instances are up, the bus backlog, ingest and
 * quarantine rates, the database's size and largest tables, open alerts and tenant numbers.
 * One small request, refreshed every minute (and on focus).
 */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { ago, bytes, dateTime } from "../../lib/format";
import { StatusBadge, Tag } from "../../ui/badges";
import { Button } from "../../ui/controls";
import { Card, KeyValue, PageHeader, Stat } from "../../ui/layout";
import { Empty, ErrorBox, Loading, QueryView } from "../../ui/table";
import { Bars } from "./bars";
import { bars, busColumns, groupRoles, humanize, type BusStream, type PlatformSummary, type RoleInstance, type SystemHealth } from "./model";

/** Each operator read writes an operator audit row, so a page left open polls gently. */
const REFRESH_MS = 60_000;

const count = (v: unknown) => (typeof v === "number" ? v.toLocaleString() : "—");
/** What a `pulse up` process runs inside it (serve, ingest, …), from its heartbeat. */
const parts = (r: RoleInstance): string[] => (Array.isArray(r.info?.parts) ? r.info.parts.filter((p): p is string => typeof p === "string") : []);
const rate = (n: number) => `${n.toLocaleString(undefined, { maximumFractionDigits: n < 10 ? 2 : 0 })}/s`;

function RolesTable({ roles }: { roles: RoleInstance[] }) {
  if (!roles.length) return <Empty>No role has reported in yet. Each `pulse` role registers when it starts: check that the processes are running and reach the database.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Role instances, grouped by role</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Host · pid</th>
            <th scope="col">Version</th>
            <th scope="col">Started</th>
            <th scope="col">Last seen</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        {groupRoles(roles).map((g) => (
          <tbody key={g.role}>
            <tr className="operator-group">
              <th scope="rowgroup" colSpan={6}>
                <span className="mono">{g.role}</span> <span className={`badge ${g.down ? "badge-bad" : "badge-ok"}`}>{g.down ? `${g.down} down · ${g.up} up` : `${g.up} up`}</span>
              </th>
            </tr>
            {g.instances.map((r) => (
              <tr key={r.instanceId}>
                <td>
                  <span className="mono" title={r.instanceId}>{r.instanceId.slice(0, 12)}</span>
                  {parts(r).length ? <div className="operator-parts" aria-label="Runs">{parts(r).map((p) => <Tag key={p}>{p}</Tag>)}</div> : null}
                </td>
                <td>
                  {r.host} <span className="muted">· {r.pid}</span>
                </td>
                <td className="mono">{r.version}</td>
                <td title={dateTime(r.startedAt)}>{ago(r.startedAt)}</td>
                <td title={dateTime(r.lastSeenAt)}>{ago(r.lastSeenAt)}</td>
                <td>
                  <StatusBadge status={r.up ? "up" : "down"} />
                </td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function BusTable({ bus }: { bus: BusStream[] }) {
  if (!bus.length) return <Empty>No streams to report: the bus runs in-process (`pulse up`) or JetStream is not reachable.</Empty>;
  const cols = busColumns(bus);
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Backlog per stream</caption>
        <thead>
          <tr>
            <th scope="col">Stream</th>
            <th scope="col" className="num">Pending</th>
            {cols.map((c) => (
              <th key={c} scope="col" className="num">{humanize(c)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {bus.map((s) => (
            <tr key={s.stream}>
              <td className="mono">{s.stream}</td>
              {s.error ? (
                <td colSpan={cols.length + 1} className="operator-bus-error">
                  <span className="badge badge-bad">no answer</span> {s.error}
                </td>
              ) : (
                <>
                  <td className="num">{s.pending ? <span className="badge badge-warn">{s.pending.toLocaleString()}</span> : count(s.pending)}</td>
                  {cols.map((c) => (
                    <td key={c} className="num">{count(s[c])}</td>
                  ))}
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Database({ db }: { db: SystemHealth["database"] }) {
  return (
    <div className="stack">
      <KeyValue items={[["Size", bytes(db.sizeBytes)], ["Connections", db.connections.toLocaleString()], ["Tables", db.tables.length.toLocaleString()]]} />
      {db.tables.length ? (
        <Bars label="Largest tables" items={bars(db.tables, (t) => t.name, (t) => t.bytes, 8)} format={bytes} name={(n) => <span className="mono">{n}</span>} />
      ) : (
        <Empty>No table sizes reported.</Empty>
      )}
    </div>
  );
}

function Platform({ s }: { s: PlatformSummary }) {
  const conn = Object.entries(s.devicesByConnectivity).map(([k, n]) => ({ k, n }));
  return (
    <div className="stack">
      <div className="row" aria-label="Tenants by status">
        {Object.entries(s.tenantsByStatus).map(([status, n]) => (
          <span key={status} className="row">
            <StatusBadge status={status} /> <span className="num">{n}</span>
          </span>
        ))}
      </div>
      {conn.length ? <Bars label="Devices by connectivity" items={bars(conn, (c) => c.k, (c) => c.n)} name={(k) => <StatusBadge status={k} />} /> : <Empty>No devices yet on any tenant.</Empty>}
    </div>
  );
}

function Headline({ h, s }: { h: SystemHealth | undefined; s: PlatformSummary | undefined }) {
  const roles = h?.roles ?? [];
  const down = roles.filter((r) => !r.up).length;
  const online = s?.devicesByConnectivity.ONLINE ?? 0;
  return (
    <div className="stats">
      <Stat label={h?.alerts.acknowledged ? `Open alerts, all tenants (${h.alerts.acknowledged.toLocaleString()} more acknowledged)` : "Open alerts, all tenants"} value={h ? h.alerts.open.toLocaleString() : "—"} tone={h?.alerts.open ? "warn" : undefined} href="/operator/alerts" />
      <Stat label="Role instances down" value={h ? `${down} of ${roles.length}` : "—"} tone={h ? (down ? "bad" : "ok") : undefined} />
      <Stat label="Ingest, last minute" value={h ? rate(h.ingest.perSecond1m) : "—"} />
      <Stat label="Ingest, last 15 minutes" value={h ? rate(h.ingest.perSecond15m) : "—"} />
      <Stat label="Quarantined, last hour" value={h ? h.ingest.quarantinedLastHour.toLocaleString() : "—"} tone={h?.ingest.quarantinedLastHour ? "bad" : undefined} href="/operator/quarantine?range=1h" />
      <Stat label="Database size" value={h ? bytes(h.database.sizeBytes) : "—"} />
      <Stat label="Active tenants" value={s ? (s.tenantsByStatus.ACTIVE ?? 0).toLocaleString() : "—"} href="/operator/tenants" />
      <Stat label="Devices online" value={s ? `${online.toLocaleString()} of ${s.devices.toLocaleString()}` : "—"} href="/operator/devices?connectivity=ONLINE" />
    </div>
  );
}

export default function SystemHealthPage() {
  const system = useQuery({ queryKey: ["operator", "system"], queryFn: () => api.get<SystemHealth>("/api/v1/operator/system"), refetchInterval: REFRESH_MS });
  const summary = useQuery({ queryKey: ["operator", "tenants", "summary"], queryFn: () => api.get<PlatformSummary>("/api/v1/operator/tenants/stats/summary"), refetchInterval: REFRESH_MS * 5 });
  const h = system.data;
  return (
    <>
      <PageHeader
        title="System health"
        subtitle={system.dataUpdatedAt ? `Every role, the bus and the database, refreshed every minute · updated ${ago(new Date(system.dataUpdatedAt).toISOString())}` : "Every role, the bus and the database, refreshed every minute"}
        actions={
          <Button onClick={() => void Promise.all([system.refetch(), summary.refetch()])} busy={system.isFetching}>
            Refresh
          </Button>
        }
      />
      {system.isError ? <ErrorBox error={system.error} retry={() => void system.refetch()} /> : null}
      {system.isPending ? <Loading label="Loading system health…" /> : null}
      <Headline h={h} s={summary.data} />
      {h ? (
        <div className="stack">
          <Card title="Roles">
            <RolesTable roles={h.roles} />
          </Card>
          <div className="grid-2">
            <Card title="Bus backlog">
              <BusTable bus={h.bus} />
            </Card>
            <Card title="Database">
              <Database db={h.database} />
            </Card>
          </div>
        </div>
      ) : null}
      <div className="operator-section">
        <Card title="Tenants and devices">
          <QueryView query={summary}>{(s) => <Platform s={s} />}</QueryView>
        </Card>
      </div>
    </>
  );
}
