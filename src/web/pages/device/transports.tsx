/** How a device connects: its transports, the primary first; add, edit and delete them. */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CONNECTIVITY, NewTransport, PROTOCOLS, TRANSPORT_STATUSES, TransportUpdate } from "../../../http/api/bodies/device-parts";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { dateTime } from "../../lib/format";
import { StatusBadge } from "../../ui/badges";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea } from "../../ui/controls";
import { Card } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { choices, FormModal } from "./form-modal";
import { parseJsonObject } from "./forms";
import { cleanNewTransport, cleanTransportUpdate, transportValues } from "./part-forms";
import { devicePath } from "./queries";
import type { Transport } from "./types";

const label = (s: string) => s.replaceAll("_", " ");

function TransportForm({ deviceId, transport, onDone }: { deviceId: string; transport?: Transport; onDone: () => void }) {
  const qc = useQueryClient();
  const base = `${devicePath(deviceId)}/transports`;
  const form = useForm(
    transportValues(transport),
    transport ? TransportUpdate : NewTransport,
    async (body) => {
      const t = transport ? await api.put<Transport>(`${base}/${transport.transportId}`, body) : await api.post<Transport>(base, body);
      await qc.invalidateQueries({ queryKey: ["device", deviceId, "transports"] });
      toast(`Transport ${label(t.ingestionProtocol)} ${transport ? "saved" : "added"}`);
      onDone();
    },
    transport ? cleanTransportUpdate : cleanNewTransport,
  );
  const { values: v, set, errors: e } = form;
  const jsonError = (text: string, server?: string) => {
    const p = parseJsonObject(text);
    return p.ok ? server : p.error;
  };
  return (
    <FormModal title={transport ? `Edit transport ${label(transport.ingestionProtocol)}` : "Add transport"} form={form} submitLabel={transport ? "Save transport" : "Add transport"} onClose={onDone} wide>
      {transport ? null : <SelectField label="Ingestion protocol" value={v.ingestionProtocol} onChange={(x) => set("ingestionProtocol", x)} options={choices(PROTOCOLS)} error={e.ingestionProtocol} />}
      <SelectField label="Physical connectivity" value={v.physicalConnectivity} onChange={(x) => set("physicalConnectivity", x)} options={choices(CONNECTIVITY, "Not set")} error={e.physicalConnectivity} />
      <SelectField label="Status" value={v.status} onChange={(x) => set("status", x)} options={choices(TRANSPORT_STATUSES)} error={e.status} />
      <div className="field device-check-field">
        <Checkbox label="Primary transport" checked={v.isPrimary} onChange={(x) => set("isPrimary", x)} />
        <div className="field-hint">Making this one primary demotes the device's other transports.</div>
      </div>
      <TextArea label="Protocol settings (JSON)" className="mono" value={v.protocolConfig} onChange={(x) => set("protocolConfig", x)} error={jsonError(v.protocolConfig, e.protocolConfig)} hint='A JSON object, e.g. {"qos": 1}' />
      <TextArea label="Connectivity settings (JSON)" className="mono" value={v.connectivityConfig} onChange={(x) => set("connectivityConfig", x)} error={jsonError(v.connectivityConfig, e.connectivityConfig)} hint='A JSON object, e.g. {"apn": "iot.example"}' />
    </FormModal>
  );
}

const config = (o: Record<string, unknown>) => (Object.keys(o).length ? JSON.stringify(o) : "—");

export function TransportsTab({ deviceId }: { deviceId: string }) {
  const qc = useQueryClient();
  const write = canWrite(useAuth().me);
  const [editing, setEditing] = useState<Transport | "new" | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const transports = useQuery({ queryKey: ["device", deviceId, "transports"], queryFn: () => api.get<Page<Transport>>(`${devicePath(deviceId)}/transports`, { limit: 1000 }) });
  const remove = async (t: Transport) => {
    setDeleting(t.transportId);
    try {
      await api.del(`${devicePath(deviceId)}/transports/${t.transportId}`);
      await qc.invalidateQueries({ queryKey: ["device", deviceId, "transports"] });
      toast(`Transport ${label(t.ingestionProtocol)} deleted`);
    } catch (err) {
      toast(`Could not delete the transport: ${errorMessage(err)}`, "bad");
    } finally {
      setDeleting(null);
    }
  };
  const columns: Column<Transport>[] = [
    { key: "protocol", header: "Protocol", cell: (t) => (<>{label(t.ingestionProtocol)} {t.isPrimary ? <span className="badge badge-ok">primary</span> : null}</>) },
    { key: "connectivity", header: "Connectivity", cell: (t) => (t.physicalConnectivity ? label(t.physicalConnectivity) : "—") },
    { key: "status", header: "Status", cell: (t) => <StatusBadge status={t.status === "failed" ? "FAILED" : t.status.toUpperCase()} /> },
    { key: "config", header: "Settings", cell: (t) => <span className="mono device-config">{config({ ...t.protocolConfig, ...t.connectivityConfig })}</span> },
    { key: "created", header: "Added", cell: (t) => dateTime(t.createdAt) },
    ...(write
      ? [{
          key: "actions",
          header: <span className="sr-only">Actions</span>,
          cell: (t: Transport) => (
            <span className="row device-actions">
              <Button variant="ghost" onClick={() => setEditing(t)} aria-label={`Edit transport ${label(t.ingestionProtocol)}`}>Edit</Button>
              <ConfirmButton confirm={`Delete transport ${label(t.ingestionProtocol)}?`} busy={deleting === t.transportId} onConfirm={() => void remove(t)}>Delete</ConfirmButton>
            </span>
          ),
        }]
      : []),
  ];
  return (
    <Card title="Transports" actions={write ? <Button variant="primary" onClick={() => setEditing("new")}>Add transport</Button> : null}>
      <DataTable
        query={transports}
        rows={transports.data?.items}
        columns={columns}
        rowKey={(t) => t.transportId}
        caption="Transports"
        empty={write ? "No transports recorded. Add how this device connects (MQTT, HTTP, LoRaWAN…) so operators know where to look." : "No transports recorded."}
      />
      {editing ? <TransportForm deviceId={deviceId} transport={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
    </Card>
  );
}
