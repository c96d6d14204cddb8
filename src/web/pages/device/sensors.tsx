/** A device's sensors: list, add, edit and delete (within the device's sensor limit). */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { NewSensor, SENSOR_SOURCES, SENSOR_STATUSES, SensorUpdate } from "../../../http/api/bodies/device-parts";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { StatusBadge } from "../../ui/badges";
import { Button, ConfirmButton, SelectField, TextField } from "../../ui/controls";
import { Card } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { choices, FormModal } from "./form-modal";
import { cleanNewSensor, cleanSensorUpdate, sensorValues } from "./part-forms";
import { devicePath } from "./queries";
import type { Sensor } from "./types";

function SensorForm({ deviceId, sensor, onDone }: { deviceId: string; sensor?: Sensor; onDone: () => void }) {
  const qc = useQueryClient();
  const base = `${devicePath(deviceId)}/sensors`;
  const form = useForm(
    sensorValues(sensor),
    sensor ? SensorUpdate : NewSensor,
    async (body) => {
      const s = sensor ? await api.put<Sensor>(`${base}/${sensor.sensorId}`, body) : await api.post<Sensor>(base, body);
      await qc.invalidateQueries({ queryKey: ["device", deviceId] });
      toast(sensor ? `Sensor ${s.metricKey} saved` : `Sensor ${s.metricKey} added`);
      onDone();
    },
    sensor ? cleanSensorUpdate : cleanNewSensor,
  );
  const { values: v, set, errors: e } = form;
  return (
    <FormModal title={sensor ? `Edit sensor ${sensor.metricKey}` : "Add sensor"} form={form} submitLabel={sensor ? "Save sensor" : "Add sensor"} onClose={onDone}>
      {sensor ? null : <TextField label="Metric key" value={v.metricKey} onChange={(x) => set("metricKey", x)} error={e.metricKey} required autoFocus />}
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} />
      <TextField label="Unit" value={v.unit} onChange={(x) => set("unit", x)} error={e.unit} hint="e.g. °C, %, kWh" />
      <TextField label="Minimum" inputMode="decimal" value={v.minRange} onChange={(x) => set("minRange", x)} error={e.minRange} />
      <TextField label="Maximum" inputMode="decimal" value={v.maxRange} onChange={(x) => set("maxRange", x)} error={e.maxRange} />
      <TextField label="Precision digits" inputMode="numeric" value={v.precisionDigits} onChange={(x) => set("precisionDigits", x)} error={e.precisionDigits} />
      <SelectField label="Status" value={v.status} onChange={(x) => set("status", x)} options={choices(SENSOR_STATUSES)} error={e.status} />
      {sensor ? null : <SelectField label="Source" value={v.source} onChange={(x) => set("source", x)} options={choices(SENSOR_SOURCES)} error={e.source} />}
    </FormModal>
  );
}

const range = (s: Sensor) => (s.minRange === null && s.maxRange === null ? "—" : `${s.minRange ?? "…"} to ${s.maxRange ?? "…"}`);

export function SensorsCard({ deviceId, sensorLimit }: { deviceId: string; sensorLimit: number | undefined }) {
  const qc = useQueryClient();
  const write = canWrite(useAuth().me);
  const [editing, setEditing] = useState<Sensor | "new" | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const sensors = useQuery({ queryKey: ["device", deviceId, "sensors"], queryFn: () => api.get<Page<Sensor>>(`${devicePath(deviceId)}/sensors`, { limit: 1000 }) });
  const remove = async (s: Sensor) => {
    setDeleting(s.sensorId);
    try {
      await api.del(`${devicePath(deviceId)}/sensors/${s.sensorId}`);
      await qc.invalidateQueries({ queryKey: ["device", deviceId] });
      toast(`Sensor ${s.metricKey} deleted`);
    } catch (err) {
      toast(`Could not delete sensor ${s.metricKey}: ${errorMessage(err)}`, "bad");
    } finally {
      setDeleting(null);
    }
  };
  const columns: Column<Sensor>[] = [
    { key: "metric", header: "Metric", cell: (s) => (<><span className="mono">{s.metricKey}</span>{s.displayName ? <div className="muted">{s.displayName}</div> : null}</>) },
    { key: "unit", header: "Unit", cell: (s) => s.unit ?? "—" },
    { key: "range", header: "Range", cell: range },
    { key: "precision", header: "Precision", className: "num", cell: (s) => s.precisionDigits ?? "—" },
    { key: "status", header: "Status", cell: (s) => <StatusBadge status={s.status.toUpperCase()} /> },
    { key: "source", header: "Source", cell: (s) => s.source },
    ...(write
      ? [{
          key: "actions",
          header: <span className="sr-only">Actions</span>,
          cell: (s: Sensor) => (
            <span className="row device-actions">
              <Button variant="ghost" onClick={() => setEditing(s)} aria-label={`Edit sensor ${s.metricKey}`}>Edit</Button>
              <ConfirmButton confirm={`Delete sensor ${s.metricKey}?`} busy={deleting === s.sensorId} onConfirm={() => void remove(s)}>Delete</ConfirmButton>
            </span>
          ),
        }]
      : []),
  ];
  const count = sensors.data ? `${sensors.data.total}${sensorLimit !== undefined ? ` of ${sensorLimit}` : ""}` : null;
  return (
    <Card title={<>Sensors {count ? <span className="muted">({count})</span> : null}</>} actions={write ? <Button variant="primary" onClick={() => setEditing("new")}>Add sensor</Button> : null}>
      <DataTable
        query={sensors}
        rows={sensors.data?.items}
        columns={columns}
        rowKey={(s) => s.sensorId}
        caption="Sensors"
        empty={write ? "No sensors yet. Add one for each metric this device measures, or let telemetry discover them." : "No sensors yet."}
      />
      {editing ? <SensorForm deviceId={deviceId} sensor={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
    </Card>
  );
}
