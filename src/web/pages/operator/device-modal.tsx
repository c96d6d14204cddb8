/**
 * One device of any tenant, as an operator sees it (read-only): identity, live state and latest
 * metrics, sensors, modules and transports, from GET /api/v1/operator/tenants/:t/devices/:d.
 */
import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api } from "../../lib/api";
import { ago, dateTime, value } from "../../lib/format";
import { StatusBadge, Tag } from "../../ui/badges";
import { KeyValue, Modal } from "../../ui/layout";
import { DataTable, QueryView } from "../../ui/table";
import { metricRows, pretty } from "./model";

interface DeviceDetail {
  tenantId: string;
  deviceId: string;
  siteId: string | null;
  displayName: string | null;
  status: string;
  templateId: string | null;
  parentDeviceId: string | null;
  deviceType: string | null;
  serialNumber: string | null;
  macAddress: string | null;
  imei: string | null;
  iccid: string | null;
  manufacturer: string | null;
  model: string | null;
  hwRevision: string | null;
  fwVersion: string | null;
  lat: number | null;
  lng: number | null;
  address: string | null;
  notes: string | null;
  attributes: Record<string, unknown>;
  decommissionedAt: string | null;
  createdAt: string;
  updatedAt: string;
  modules: { moduleId: string; slotKey: string; label: string | null; serialNumber: string | null; status: string; installedAt: string }[];
  sensors: { sensorId: string; metricKey: string; displayName: string | null; unit: string | null; status: string; source: string }[];
  transports: { transportId: string; ingestionProtocol: string; physicalConnectivity: string | null; isPrimary: boolean; status: string }[];
  state: { status: string; lastHeartbeatAt: string | null; lastTelemetryAt: string | null; lastSeenAt: string | null; latestMetrics: Record<string, unknown> } | null;
}

function Body({ d }: { d: DeviceDetail }) {
  const metrics = metricRows(d.state?.latestMetrics ?? {});
  return (
    <div className="stack">
      <KeyValue
        items={[
          ["Tenant", <Link href={`/operator/tenants/${d.tenantId}`}>{d.tenantId}</Link>],
          ["Device id", <span className="mono">{d.deviceId}</span>],
          ["Status", <StatusBadge status={d.status} />],
          ["Connectivity", <StatusBadge status={d.state?.status ?? "OFFLINE"} />],
          ["Last seen", d.state?.lastSeenAt ? <span title={dateTime(d.state.lastSeenAt)}>{ago(d.state.lastSeenAt)}</span> : "never"],
          ["Last telemetry", d.state?.lastTelemetryAt ? <span title={dateTime(d.state.lastTelemetryAt)}>{ago(d.state.lastTelemetryAt)}</span> : "never"],
          ["Site", d.siteId ? <span className="mono">{d.siteId}</span> : null],
          ["Type", d.deviceType],
          ["Manufacturer · model", [d.manufacturer, d.model].filter(Boolean).join(" · ") || null],
          ["Hardware · firmware", [d.hwRevision, d.fwVersion].filter(Boolean).join(" · ") || null],
          ["Serial", d.serialNumber],
          ["MAC · IMEI · ICCID", [d.macAddress, d.imei, d.iccid].filter(Boolean).join(" · ") || null],
          ["Parent (gateway)", d.parentDeviceId],
          ["Template", d.templateId ? <span className="mono">{d.templateId}</span> : null],
          ["Location", d.lat != null && d.lng != null ? `${d.lat}, ${d.lng}` : d.address],
          ["Created", dateTime(d.createdAt)],
          ["Updated", dateTime(d.updatedAt)],
          ...(d.decommissionedAt ? ([["Decommissioned", dateTime(d.decommissionedAt)]] as [string, string][]) : []),
        ]}
      />
      {d.notes ? <p className="operator-notes">{d.notes}</p> : null}
      <section>
        <h3 className="operator-h3">Latest metrics</h3>
        <DataTable
          rows={metrics}
          rowKey={(m) => m.key}
          caption="Latest metrics"
          empty="This device has sent no telemetry yet."
          columns={[
            { key: "k", header: "Metric", cell: (m) => <span className="mono">{m.key}</span> },
            { key: "v", header: "Value", className: "num", cell: (m) => value(m.value) },
            { key: "t", header: "At", cell: (m) => (m.time ? <span title={dateTime(m.time)}>{ago(m.time)}</span> : "—") },
          ]}
        />
      </section>
      <section>
        <h3 className="operator-h3">Sensors</h3>
        <DataTable
          rows={d.sensors}
          rowKey={(s) => s.sensorId}
          caption="Sensors"
          empty="No sensors: they appear when the device reports a metric or a module is installed."
          columns={[
            { key: "k", header: "Metric", cell: (s) => <span className="mono">{s.metricKey}</span> },
            { key: "n", header: "Name", cell: (s) => s.displayName ?? "—" },
            { key: "u", header: "Unit", cell: (s) => s.unit ?? "—" },
            { key: "src", header: "Source", cell: (s) => <Tag>{s.source}</Tag> },
            { key: "st", header: "Status", cell: (s) => s.status },
          ]}
        />
      </section>
      {d.modules.length ? (
        <section>
          <h3 className="operator-h3">Modules</h3>
          <DataTable
            rows={d.modules}
            rowKey={(m) => m.moduleId}
            caption="Installed modules"
            empty=""
            columns={[
              { key: "slot", header: "Slot", cell: (m) => <span className="mono">{m.slotKey}</span> },
              { key: "label", header: "Label", cell: (m) => m.label ?? "—" },
              { key: "serial", header: "Serial", cell: (m) => m.serialNumber ?? "—" },
              { key: "status", header: "Status", cell: (m) => m.status },
              { key: "at", header: "Installed", cell: (m) => dateTime(m.installedAt) },
            ]}
          />
        </section>
      ) : null}
      {d.transports.length ? (
        <section>
          <h3 className="operator-h3">Transports</h3>
          <DataTable
            rows={d.transports}
            rowKey={(t) => t.transportId}
            caption="Transports"
            empty=""
            columns={[
              { key: "p", header: "Protocol", cell: (t) => <span className="mono">{t.ingestionProtocol}</span> },
              { key: "c", header: "Link", cell: (t) => t.physicalConnectivity ?? "—" },
              { key: "primary", header: "Primary", cell: (t) => (t.isPrimary ? "yes" : "no") },
              { key: "s", header: "Status", cell: (t) => t.status },
            ]}
          />
        </section>
      ) : null}
      {Object.keys(d.attributes).length ? (
        <section>
          <h3 className="operator-h3">Attributes</h3>
          <pre className="operator-json">{pretty(d.attributes)}</pre>
        </section>
      ) : null}
    </div>
  );
}

export function DeviceModal({ tenantId, deviceId, onClose }: { tenantId: string; deviceId: string; onClose: () => void }) {
  const q = useQuery({
    queryKey: ["operator", "device", tenantId, deviceId],
    queryFn: () => api.get<DeviceDetail>(`/api/v1/operator/tenants/${encodeURIComponent(tenantId)}/devices/${encodeURIComponent(deviceId)}`),
  });
  return (
    <Modal open title={q.data?.displayName ? `${q.data.displayName} · ${tenantId}` : `${deviceId} · ${tenantId}`} onClose={onClose} wide>
      <QueryView query={q}>{(d) => <Body d={d} />}</QueryView>
    </Modal>
  );
}
