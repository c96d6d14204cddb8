/**
 * The device's overview: identity, its latest value per metric (kept live), its open alerts
 * and a small chart of the main metrics over the last 24 hours.
 */
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { ago, dateTime, value } from "../../lib/format";
import { useLive } from "../../lib/live";
import { SeverityBadge, StatusBadge, Tag } from "../../ui/badges";
import { TimeChart } from "../../ui/chart";
import { Card, KeyValue } from "../../ui/layout";
import { Empty, Loading, QueryView } from "../../ui/table";
import { mergeLatest, type LiveMetrics } from "./latest";
import { devicePath, unitsOf, useMetricList } from "./queries";
import { defaultMetrics, loadBuckets } from "./series";
import type { Alert, Device, LatestMetric } from "./types";

/** Re-renders every `ms`, so "… ago" texts stay true between live events. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The site's name (the id while it loads, or when the site is gone). */
export function SiteName({ siteId }: { siteId: string }) {
  const site = useQuery({ queryKey: ["sites", siteId], queryFn: () => api.get<{ name: string }>(`/api/v1/customer/sites/${encodeURIComponent(siteId)}`) });
  return <span title={siteId}>{site.data?.name ?? siteId}</span>;
}

function identity(d: Device): [ReactNode, ReactNode][] {
  return [
    ["Device ID", <span className="mono">{d.deviceId}</span>],
    ["Display name", d.displayName],
    ["Status", <StatusBadge status={d.status} />],
    ["Site", d.siteId ? <SiteName siteId={d.siteId} /> : null],
    ["Template", d.template ? <Link href={`/templates/${d.template.templateId}`}>{d.template.name}</Link> : null],
    ["Parent device", d.parentDeviceId ? <Link href={`/devices/${encodeURIComponent(d.parentDeviceId)}`}>{d.parentDeviceId}</Link> : null],
    ["Type", d.deviceType],
    ["Serial number", d.serialNumber],
    ["Manufacturer / model", [d.manufacturer, d.model].filter(Boolean).join(" ") || null],
    ["Firmware", d.fwVersion],
    ["MAC address", d.macAddress ? <span className="mono">{d.macAddress}</span> : null],
    ["IMEI", d.imei],
    ["Location", d.lat !== null && d.lng !== null ? `${d.lat.toFixed(5)}, ${d.lng.toFixed(5)}` : d.address],
    ["Tags", d.tags.length ? d.tags.map((t) => <Tag key={t}>{t}</Tag>) : null],
    ["Created", dateTime(d.createdAt)],
  ];
}

function LatestValues({ deviceId }: { deviceId: string }) {
  const latest = useQuery({
    queryKey: ["device", deviceId, "latest"],
    queryFn: () => api.get<{ metrics: LatestMetric[] }>(`${devicePath(deviceId)}/telemetry/latest`),
  });
  const [live, setLive] = useState<LiveMetrics>({});
  useLive({ devices: [deviceId], device: (d) => d.deviceId === deviceId && setLive(d.latestMetrics) });
  const now = useNow(15_000);
  const rows = useMemo(() => mergeLatest(latest.data?.metrics ?? [], live), [latest.data, live]);
  return (
    <Card title="Latest values">
      <QueryView query={latest}>
        {() =>
          rows.length ? (
            <ul className="device-latest">
              {rows.map((m) => (
                <li key={m.metricKey} data-metric={m.metricKey} className="device-latest-item">
                  <span className="device-latest-name" title={m.metricKey}>
                    {m.displayName ?? m.metricKey}
                  </span>
                  <span className="device-latest-value">{value(m.value, m.unit)}</span>
                  <span className="muted device-latest-time" title={dateTime(m.time)}>
                    {ago(m.time, Math.max(now, Date.now()))}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>No telemetry yet. Values appear here as soon as the device sends its first message (see the Credentials tab to connect it).</Empty>
          )
        }
      </QueryView>
    </Card>
  );
}

function OpenAlerts({ deviceId }: { deviceId: string }) {
  const q = { deviceId, status: "OPEN,ACKNOWLEDGED", limit: 5 };
  const alerts = useQuery({ queryKey: ["alerts", q], queryFn: () => api.get<Page<Alert>>("/api/v1/customer/alerts", q) });
  return (
    <Card title="Open alerts" actions={<Link href={`/devices/${encodeURIComponent(deviceId)}?tab=alerts`}>All alerts of this device</Link>}>
      <QueryView query={alerts}>
        {(page) =>
          page.items.length ? (
            <ul className="device-alerts">
              {page.items.map((a) => (
                <li key={a.alertId}>
                  <SeverityBadge severity={a.severity} /> <StatusBadge status={a.status} /> {a.summary} <span className="muted">opened {ago(a.openedAt)}</span>
                </li>
              ))}
              {page.total > page.items.length ? <li className="muted">and {page.total - page.items.length} more</li> : null}
            </ul>
          ) : (
            <Empty>
              No open alerts. <Link href="/rules">Alert rules</Link> decide when this device raises one.
            </Empty>
          )
        }
      </QueryView>
    </Card>
  );
}

function DayChart({ deviceId }: { deviceId: string }) {
  const list = useMetricList(deviceId);
  const keys = useMemo(() => defaultMetrics(list.data?.items ?? []), [list.data]);
  const chart = useQuery({
    queryKey: ["device", deviceId, "day-chart", keys],
    queryFn: () => loadBuckets(api.get, deviceId, keys, "24h", unitsOf(list.data?.items)),
    enabled: keys.length > 0,
  });
  const series = useMemo(() => (chart.data?.series ?? []).filter((s) => s.kind === "avg").map((s) => ({ label: s.label, unit: s.unit, values: s.values })), [chart.data]);
  let body: ReactNode;
  if (list.isPending || (keys.length && chart.isPending)) body = <Loading />;
  else if (!keys.length) body = <Empty>Nothing to chart yet: this device has sent no numeric metrics.</Empty>;
  else
    body = (
      <QueryView query={chart}>
        {(c) =>
          c.time.length < 2 ? (
            <Empty>Not enough history for a chart yet: it needs values from more than one quarter hour.</Empty>
          ) : (
            <TimeChart time={c.time} series={series} height={180} label={`Last 24 hours of ${keys.join(", ")}`} />
          )
        }
      </QueryView>
    );
  return (
    <Card title="Last 24 hours" actions={<Link href={`/devices/${encodeURIComponent(deviceId)}?tab=telemetry`}>Telemetry</Link>}>
      {body}
    </Card>
  );
}

export function OverviewTab({ deviceId, device }: { deviceId: string; device: Device | undefined }) {
  return (
    <div className="stack">
      <div className="grid-2">
        <Card title="Identity">{device ? <KeyValue items={identity(device)} /> : <Loading />}</Card>
        <LatestValues deviceId={deviceId} />
      </div>
      <div className="grid-2">
        <OpenAlerts deviceId={deviceId} />
        <DayChart deviceId={deviceId} />
      </div>
    </div>
  );
}
