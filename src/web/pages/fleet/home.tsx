/**
 * Fleet home: device and alert counts, the newest open alerts, recent activity and a live map,
 * kept current by the live stream (fleet counts and device events).
 */
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useLiveFleet, type LiveDevice } from "../../lib/live";
import { SeverityBadge, StatusBadge } from "../../ui/badges";
import { Card, PageHeader, Stat } from "../../ui/layout";
import { ErrorBox, QueryView } from "../../ui/table";
import { API, seen, useFleetDevices, useNow, useSites, type Alert, type AlertSummary, type Device, type FleetSummary } from "./data";
import { FleetMap, MapLegend, type MapDevice } from "./fleet-map";
import { locate } from "./map";

const MAP_LIMIT = 1000;

function Counts() {
  const live = useLiveFleet();
  const summary = useQuery({ queryKey: ["fleet", "summary"], queryFn: () => api.get<FleetSummary>(`${API}/fleet/summary`) });
  const alerts = useQuery({ queryKey: ["alerts", "summary"], queryFn: () => api.get<AlertSummary>(`${API}/alerts/summary`) });
  if (summary.isError) return <ErrorBox error={summary.error} retry={() => void summary.refetch()} />;
  const by = live?.devices.byConnectivity ?? summary.data?.devices.byConnectivity;
  const open = live?.openAlerts.total ?? alerts.data?.total;
  // Decommissioned devices count in `total` but not by connectivity, nor in the device list.
  const total = by ? by.ONLINE + by.STALE + by.OFFLINE : undefined;
  const n = (v: number | undefined) => (v === undefined ? "…" : v.toLocaleString());
  return (
    <div className="stats" aria-live="polite">
      <Stat label="Devices" value={n(total)} href="/devices" />
      <Stat label="Online" value={n(by?.ONLINE)} tone="ok" href="/devices?connectivity=ONLINE" />
      <Stat label="Stale" value={n(by?.STALE)} tone={by?.STALE ? "warn" : undefined} href="/devices?connectivity=STALE" />
      <Stat label="Offline" value={n(by?.OFFLINE)} tone={by?.OFFLINE ? "bad" : undefined} href="/devices?connectivity=OFFLINE" />
      <Stat label="Open alerts" value={n(open)} tone={open ? "bad" : "ok"} href="/alerts" />
    </div>
  );
}

function OpenAlerts() {
  const q = useQuery({ queryKey: ["alerts", "home"], queryFn: () => api.get<Page<Alert>>(`${API}/alerts`, { status: "OPEN,ACKNOWLEDGED", limit: 6 }) });
  return (
    <Card title="Open alerts" actions={<Link href="/alerts">All alerts</Link>}>
      <QueryView query={q}>
        {(page) =>
          page.items.length ? (
            <ul className="fleet-list">
              {page.items.map((a) => (
                <li key={a.alertId}>
                  <SeverityBadge severity={a.severity} />
                  <Link href="/alerts" className="fleet-list-main">{a.summary}</Link>
                  <span className="muted fleet-list-meta">
                    {a.deviceId ? <Link href={`/devices/${a.deviceId}`}>{a.deviceId}</Link> : null} {seen(a.openedAt)}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No open alerts. Alerts come from <Link href="/rules">rules</Link> and from devices that stop reporting.</p>
          )
        }
      </QueryView>
    </Card>
  );
}

interface AuditEntry {
  auditId: number;
  time: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  actorName: string | null;
}

/** The devices that stopped reporting, for roles that may not read the audit log. */
function QuietDevices({ live }: { live: Record<string, LiveDevice> }) {
  const quiet = useQuery({
    queryKey: ["fleet", "quiet"],
    queryFn: () => api.get<Page<{ deviceId: string; displayName: string | null; connectivity: string; lastSeenAt: string | null }>>(`${API}/fleet/state`, { connectivity: "STALE,OFFLINE", order: "staleFirst", limit: 8 }),
    refetchInterval: 30_000,
  });
  // A device back online since the last fetch leaves the list at once.
  const quietNow = (quiet.data?.items ?? []).filter((d) => (live[d.deviceId]?.connectivity ?? d.connectivity) !== "ONLINE");
  return (
    <Card title="Devices gone quiet">
      <QueryView query={quiet}>
        {() =>
          quietNow.length ? (
            <ul className="fleet-list">
              {quietNow.map((d) => (
                <li key={d.deviceId}>
                  <StatusBadge status={live[d.deviceId]?.connectivity ?? d.connectivity} />
                  <Link href={`/devices/${d.deviceId}`} className="fleet-list-main">{d.displayName ?? d.deviceId}</Link>
                  <span className="muted fleet-list-meta">{d.lastSeenAt ? `seen ${seen(d.lastSeenAt)}` : "never seen"}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Every device is online.</p>
          )
        }
      </QueryView>
    </Card>
  );
}

function RecentChanges() {
  const audit = useQuery({ queryKey: ["audit", "home"], queryFn: () => api.get<Page<AuditEntry>>(`${API}/audit-log`, { limit: 8 }), refetchInterval: 30_000 });
  return (
    <Card title="Recent activity" actions={<Link href="/audit">Audit log</Link>}>
      <QueryView query={audit}>
        {(page) =>
          page.items.length ? (
            <ul className="fleet-list">
              {page.items.map((e) => (
                <li key={e.auditId}>
                  <span className="mono fleet-list-main">{e.action}</span>
                  <span className="fleet-list-meta">
                    {e.entityType === "device" && e.entityId ? <Link href={`/devices/${e.entityId}`}>{e.entityId}</Link> : e.entityId}{" "}
                    <span className="muted">{e.actorName ? `by ${e.actorName} ` : ""}{seen(e.time)}</span>
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Nothing has changed yet. Add a device to get started.</p>
          )
        }
      </QueryView>
    </Card>
  );
}

function MapCard({ live }: { live: Record<string, LiveDevice> }) {
  const devices = useQuery({ queryKey: ["devices", "map"], queryFn: () => api.get<Page<Device>>(`${API}/devices`, { limit: MAP_LIMIT }) });
  // GPS devices report where they are in their metrics; the registry may hold a pinned place.
  const states = useQuery({ queryKey: ["devices", "map", "metrics"], queryFn: () => api.get<Page<Pick<LiveDevice, "deviceId" | "latestMetrics">>>(`${API}/fleet/state`, { limit: MAP_LIMIT }) });
  const metrics = new Map((states.data?.items ?? []).map((x) => [x.deviceId, x.latestMetrics]));
  const sites = useSites();
  const shown: MapDevice[] = (devices.data?.items ?? []).map((d) => ({
    deviceId: d.deviceId,
    displayName: d.displayName,
    connectivity: live[d.deviceId]?.connectivity ?? d.state.connectivity,
    position: locate(d, live[d.deviceId]?.latestMetrics ?? metrics.get(d.deviceId)),
  }));
  const more = devices.data && devices.data.total > MAP_LIMIT ? ` (first ${MAP_LIMIT} of ${devices.data.total})` : "";
  return (
    <Card title={`Map${more}`} className="fleet-map-card">
      <QueryView query={devices}>
        {(page) =>
          page.items.length || sites.data?.items.length ? (
            <>
              <FleetMap devices={shown} sites={sites.data?.items ?? []} />
              <MapLegend devices={shown} />
            </>
          ) : (
            <p className="muted">No devices yet. Add one, or give your sites a location, and they appear here.</p>
          )
        }
      </QueryView>
    </Card>
  );
}

export default function FleetHome() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [live, setLive] = useState<Record<string, LiveDevice>>({});
  useFleetDevices((d) => setLive((m) => ({ ...m, [d.deviceId]: d })), () => setLive({}));
  useNow(30_000);
  return (
    <>
      <PageHeader
        title="Fleet"
        subtitle="Your devices and alerts, live."
        actions={
          write ? (
            <>
              <Link href="/devices/new" className="btn btn-primary fleet-link-btn">Add device</Link>
              <Link href="/devices/import" className="btn fleet-link-btn">Import CSV</Link>
            </>
          ) : null
        }
      />
      <Counts />
      <div className="fleet-home">
        <MapCard live={live} />
        <div className="stack">
          <OpenAlerts />
          {/* The audit log is for tenant admins; other roles see the devices that went quiet. */}
          {me?.roles.includes("tenant-admin") ? <RecentChanges /> : <QuietDevices live={live} />}
        </div>
      </div>
    </>
  );
}
