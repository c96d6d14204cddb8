/**
 * One device: a header with its live connectivity, then tabs (in the URL) for its overview,
 * telemetry chart, sensors and modules, transports, credentials, connection events and alerts.
 * Tabs load their own data, in parallel with the device itself.
 */
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { api, ApiError } from "../../lib/api";
import { ago, dateTime } from "../../lib/format";
import { useLive, type LiveDevice } from "../../lib/live";
import { useUrlState } from "../../lib/url-state";
import { StatusBadge } from "../../ui/badges";
import { PageHeader, Tabs } from "../../ui/layout";
import { Empty, ErrorBox } from "../../ui/table";
import { CredentialsTab } from "./credentials";
import { AlertsTab, EventsTab } from "./history";
import { ModulesCard } from "./modules";
import { OverviewTab, SiteName } from "./overview";
import { SensorsCard } from "./sensors";
import { TelemetryTab } from "./telemetry";
import { devicePath } from "./queries";
import { TransportsTab } from "./transports";
import type { Device } from "./types";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "telemetry", label: "Telemetry" },
  { id: "parts", label: "Sensors & modules" },
  { id: "transports", label: "Transports" },
  { id: "credentials", label: "Credentials" },
  { id: "events", label: "Events" },
  { id: "alerts", label: "Alerts" },
] as const;
type Tab = (typeof TABS)[number]["id"];

function useDevice(deviceId: string) {
  return useQuery({ queryKey: ["device", deviceId], queryFn: () => api.get<Device>(devicePath(deviceId)) });
}

function Header({ deviceId, device }: { deviceId: string; device: Device | undefined }) {
  const [live, setLive] = useState<LiveDevice | null>(null);
  useLive({ devices: [deviceId], device: (d) => d.deviceId === deviceId && setLive(d) });
  const connectivity = live?.connectivity ?? device?.state.connectivity;
  const lastSeen = live?.lastSeenAt ?? device?.state.lastSeenAt ?? null;
  return (
    <PageHeader
      title={device?.displayName ?? deviceId}
      subtitle={
        <span className="device-meta">
          {device?.displayName ? <span className="mono">{deviceId}</span> : null}
          {connectivity ? <StatusBadge status={connectivity} /> : null}
          {device && device.status !== "ACTIVE" ? <StatusBadge status={device.status} /> : null}
          {device ? (
            <>
              <span>Site: {device.siteId ? <SiteName siteId={device.siteId} /> : "none"}</span>
              <span>Template: {device.template ? <Link href={`/templates/${device.template.templateId}`}>{device.template.name}</Link> : "none"}</span>
              <span title={dateTime(lastSeen)}>Last seen {ago(lastSeen)}</span>
            </>
          ) : null}
        </span>
      }
      actions={<Link href="/devices">All devices</Link>}
    />
  );
}

function NotFound({ deviceId }: { deviceId: string }) {
  return (
    <>
      <PageHeader title="Device not found" subtitle={<span className="mono">{deviceId}</span>} />
      <Empty>
        There is no device with this id in your tenant: it may have been deleted, or the link is wrong. <Link href="/devices">Go to the device list</Link>
      </Empty>
    </>
  );
}

/** One page per device: moving to another device starts afresh (no live values carried over). */
export default function DeviceDetailPage() {
  const { deviceId = "" } = useParams<{ deviceId: string }>();
  return <DevicePage key={deviceId} deviceId={deviceId} />;
}

function DevicePage({ deviceId }: { deviceId: string }) {
  const [url, setUrl] = useUrlState({ tab: "overview", range: "24h", metric: "", eoffset: "0", aoffset: "0" });
  const device = useDevice(deviceId);
  if (device.error instanceof ApiError && device.error.status === 404) return <NotFound deviceId={deviceId} />;
  const tab: Tab = TABS.some((t) => t.id === url.tab) ? (url.tab as Tab) : "overview";
  const label = TABS.find((t) => t.id === tab)!.label;
  return (
    <>
      <Header deviceId={deviceId} device={device.data} />
      {device.isError ? <ErrorBox error={device.error} retry={() => void device.refetch()} /> : null}
      <Tabs label="Device" tabs={TABS} value={tab} onChange={(t) => setUrl({ tab: t }, true)} />
      <div role="tabpanel" aria-label={label} className="device-panel">
        {tab === "overview" ? <OverviewTab deviceId={deviceId} device={device.data} /> : null}
        {tab === "telemetry" ? <TelemetryTab deviceId={deviceId} range={url.range} metric={url.metric} onChange={(p) => setUrl(p)} /> : null}
        {tab === "parts" ? (
          <div className="stack">
            <SensorsCard deviceId={deviceId} sensorLimit={device.data?.sensorLimit} />
            <ModulesCard deviceId={deviceId} templateId={device.data?.templateId ?? null} />
          </div>
        ) : null}
        {tab === "transports" ? <TransportsTab deviceId={deviceId} /> : null}
        {tab === "credentials" ? <CredentialsTab deviceId={deviceId} decommissioned={device.data?.status === "DECOMMISSIONED"} /> : null}
        {tab === "events" ? <EventsTab deviceId={deviceId} offset={Number(url.eoffset) || 0} onOffset={(o) => setUrl({ eoffset: String(o) })} /> : null}
        {tab === "alerts" ? <AlertsTab deviceId={deviceId} offset={Number(url.aoffset) || 0} onOffset={(o) => setUrl({ aoffset: String(o) })} /> : null}
      </div>
    </>
  );
}
