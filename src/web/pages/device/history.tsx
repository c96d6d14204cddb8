/** What happened to a device: its connection events and its alerts, a page at a time. */
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { ago, dateTime } from "../../lib/format";
import { SeverityBadge, StatusBadge } from "../../ui/badges";
import { Card } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { devicePath } from "./queries";
import type { Alert, ConnectionEvent } from "./types";

const LIMIT = 50;

const eventColumns: Column<ConnectionEvent>[] = [
  { key: "at", header: "When", cell: (e) => <span title={dateTime(e.at)}>{ago(e.at)}</span> },
  { key: "event", header: "Event", cell: (e) => e.event.toLowerCase() },
  { key: "change", header: "Status", cell: (e) => (<span className="row">{e.statusFrom ? <StatusBadge status={e.statusFrom} /> : null}<span aria-hidden>→</span><span className="sr-only">to</span><StatusBadge status={e.statusTo} /></span>) },
  { key: "reason", header: "Reason", cell: (e) => e.reason },
];

export function EventsTab({ deviceId, offset, onOffset }: { deviceId: string; offset: number; onOffset: (o: number) => void }) {
  const events = useQuery({
    queryKey: ["device", deviceId, "events", offset],
    queryFn: () => api.get<Page<ConnectionEvent>>(`${devicePath(deviceId)}/connection-events`, { limit: LIMIT, offset }),
  });
  return (
    <Card title="Connection events">
      <DataTable query={events} rows={events.data?.items} columns={eventColumns} rowKey={(e) => String(e.eventId)} caption="Connection events, newest first" empty="No connection events yet. They are recorded when the device connects, goes quiet or drops offline." />
      {events.data ? <Pagination total={events.data.total} limit={LIMIT} offset={offset} onChange={onOffset} /> : null}
    </Card>
  );
}

/** The inbox (src/web/pages/alerts/inbox-query.ts) filtered to this device, all statuses; `alert` opens one. */
const inbox = (deviceId: string, alertId?: number) => `/alerts?status=all&device=${encodeURIComponent(deviceId)}${alertId ? `&alert=${alertId}` : ""}`;

const alertColumns: Column<Alert>[] = [
  { key: "severity", header: "Severity", cell: (a) => <SeverityBadge severity={a.severity} /> },
  { key: "status", header: "Status", cell: (a) => <StatusBadge status={a.status} /> },
  { key: "summary", header: "Summary", cell: (a) => <Link href={inbox(a.deviceId ?? "", a.alertId)}>{a.summary}</Link> },
  { key: "type", header: "Type", cell: (a) => a.alertType.toLowerCase().replaceAll("_", " ") },
  { key: "opened", header: "Opened", cell: (a) => <span title={dateTime(a.openedAt)}>{ago(a.openedAt)}</span> },
  { key: "count", header: "Triggers", className: "num", cell: (a) => a.triggerCount },
];

export function AlertsTab({ deviceId, offset, onOffset }: { deviceId: string; offset: number; onOffset: (o: number) => void }) {
  const q = { deviceId, limit: LIMIT, offset };
  // Keyed under "alerts": live alert events refresh it.
  const alerts = useQuery({ queryKey: ["alerts", q], queryFn: () => api.get<Page<Alert>>("/api/v1/customer/alerts", q) });
  return (
    <Card title="Alerts" actions={<Link href={inbox(deviceId)}>Open in the alert inbox</Link>}>
      <DataTable query={alerts} rows={alerts.data?.items} columns={alertColumns} rowKey={(a) => String(a.alertId)} caption="Alerts of this device, newest first" empty={<>This device has raised no alerts. <Link href="/rules">Alert rules</Link> decide when it does.</>} />
      {alerts.data ? <Pagination total={alerts.data.total} limit={LIMIT} offset={offset} onChange={onOffset} /> : null}
    </Card>
  );
}
