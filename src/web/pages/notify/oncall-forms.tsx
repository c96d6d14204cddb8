/**
 * The forms of an on-call schedule: a rotation layer (rotation, hand-off time in the
 * schedule's zone, responders in order) and an override. Times are typed as the schedule's
 * wall-clock time and sent as instants.
 */
import { useQueryClient } from "@tanstack/react-query";
import { FIXED_SHIFT_HOURS, LayerFields, LayerPatch, OverrideFields, ROTATIONS } from "../../../http/api/bodies/notify";
import { api } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, SelectField, TextField } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { numberOrAbsent } from "./parts";
import { PATHS, type Layer, type Responder } from "./types";
import { isoToLocalInput, localInputToIso } from "./zone";

interface ResponderForm {
  name: string;
  email: string;
  phone: string;
}
const toForm = (r: Responder): ResponderForm => ({ name: r.name, email: r.email ?? "", phone: r.phone ?? "" });
const fromForm = (r: ResponderForm) => ({ name: r.name.trim(), email: r.email.trim() || undefined, phone: r.phone.trim() || undefined });
const HOUR = 3_600_000;

function ResponderFields({ value, onChange, errors, prefix, known }: { value: ResponderForm; onChange: (r: ResponderForm) => void; errors: Record<string, string>; prefix: string; known?: Responder[] }) {
  const pick = (name: string) => {
    const k = known?.find((r) => r.name === name);
    onChange(k && !value.email && !value.phone ? toForm(k) : { ...value, name });
  };
  return (
    <>
      <TextField label="Name" required value={value.name} onChange={pick} error={errors[`${prefix}.name`]} list={known ? "notify-responders" : undefined} autoComplete="off" />
      <TextField label="E-mail" type="email" value={value.email} onChange={(email) => onChange({ ...value, email })} error={errors[`${prefix}.email`]} />
      <TextField label="Phone" type="tel" value={value.phone} onChange={(phone) => onChange({ ...value, phone })} error={errors[`${prefix}.phone`]} />
      {known ? (
        <datalist id="notify-responders">
          {known.map((r) => <option key={r.name} value={r.name} />)}
        </datalist>
      ) : null}
    </>
  );
}

function RespondersEditor({ list, onChange, errors }: { list: ResponderForm[]; onChange: (l: ResponderForm[]) => void; errors: Record<string, string> }) {
  const swap = (i: number, j: number) => onChange(list.map((r, k) => (k === i ? list[j]! : k === j ? list[i]! : r)));
  return (
    <fieldset className="notify-checks">
      <legend>Responders, in rotation order</legend>
      <ol className="stack notify-responders">
        {list.map((r, i) => (
          <li key={i} className="notify-responder">
            <div className="form-grid">
              <ResponderFields value={r} onChange={(next) => onChange(list.map((x, k) => (k === i ? next : x)))} errors={errors} prefix={`responders.${i}`} />
            </div>
            <div className="row">
              <Button variant="ghost" aria-label={`Move ${r.name || `responder ${i + 1}`} earlier`} disabled={i === 0} onClick={() => swap(i, i - 1)}>↑</Button>
              <Button variant="ghost" aria-label={`Move ${r.name || `responder ${i + 1}`} later`} disabled={i === list.length - 1} onClick={() => swap(i, i + 1)}>↓</Button>
              <Button variant="ghost" disabled={list.length === 1} onClick={() => onChange(list.filter((_, k) => k !== i))}>Remove {r.name || `responder ${i + 1}`}</Button>
            </div>
          </li>
        ))}
      </ol>
      {errors.responders ? <div className="field-error" role="alert">{errors.responders}</div> : null}
      <Button onClick={() => onChange([...list, { name: "", email: "", phone: "" }])}>Add responder</Button>
    </fieldset>
  );
}

const nextHour = () => Math.ceil(Date.now() / HOUR) * HOUR;

export function LayerForm({ scheduleId, tz, layer, onDone }: { scheduleId: string; tz: string; layer: Layer | null; onDone: () => void }) {
  const qc = useQueryClient();
  const initial = {
    name: layer?.name ?? "",
    order: String(layer?.order ?? 0),
    rotation: layer?.rotation ?? ("weekly" as Layer["rotation"]),
    shiftHours: String(layer?.shiftHours ?? 12),
    startsAt: isoToLocalInput(layer?.startsAt ?? nextHour(), tz),
    responders: layer?.responders.map(toForm) ?? [{ name: "", email: "", phone: "" }],
  };
  const form = useForm(initial, layer ? LayerPatch : LayerFields, async (body) => {
    const base = `${PATHS.schedules}/${scheduleId}/layers`;
    const saved = layer ? await api.patch<Layer>(`${base}/${layer.layerId}`, body) : await api.post<Layer>(base, body);
    toast(layer ? `Saved ${saved.name}` : `Added ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["oncall"] });
    onDone();
  }, (v) => ({
    ...v,
    order: numberOrAbsent(v.order),
    shiftHours: v.rotation === "custom" ? numberOrAbsent(v.shiftHours) : undefined,
    startsAt: localInputToIso(v.startsAt, tz),
    responders: v.responders.map(fromForm),
  }));
  const v = form.values;
  const e = form.errors;
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <div className="form-grid">
        <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={e.name} />
        <SelectField label="Rotation" value={v.rotation} onChange={(x) => form.set("rotation", x as Layer["rotation"])} options={ROTATIONS} error={e.rotation} />
        {v.rotation === "custom" ? (
          <TextField label="Shift length (hours)" inputMode="numeric" value={v.shiftHours} onChange={(x) => form.set("shiftHours", x)} error={e.shiftHours} />
        ) : (
          <p className="field-hint notify-inline-hint">{FIXED_SHIFT_HOURS[v.rotation]}-hour shifts, handing off at the same local time every {v.rotation === "daily" ? "day" : "week"}.</p>
        )}
        <TextField label={`First hand-off (${tz})`} type="datetime-local" required value={v.startsAt} onChange={(x) => form.set("startsAt", x)} error={e.startsAt} />
        <TextField label="Order" inputMode="numeric" value={v.order} onChange={(x) => form.set("order", x)} error={e.order} hint="Where layers overlap, the higher order wins." />
      </div>
      <RespondersEditor list={v.responders} onChange={(x) => form.set("responders", x)} errors={e} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>{layer ? "Save layer" : "Add layer"}</Button>
      </div>
    </form>
  );
}

export function OverrideForm({ scheduleId, tz, known, onDone }: { scheduleId: string; tz: string; known: Responder[]; onDone: () => void }) {
  const qc = useQueryClient();
  const start = nextHour() - HOUR;
  const initial = { responder: { name: "", email: "", phone: "" }, startsAt: isoToLocalInput(start, tz), endsAt: isoToLocalInput(start + 12 * HOUR, tz), reason: "" };
  const form = useForm(initial, OverrideFields, async (body) => {
    await api.post(`${PATHS.schedules}/${scheduleId}/overrides`, body);
    toast(`Override added: ${body.responder.name}`);
    await qc.invalidateQueries({ queryKey: ["oncall"] });
    onDone();
  }, (v) => ({ responder: fromForm(v.responder), startsAt: localInputToIso(v.startsAt, tz), endsAt: localInputToIso(v.endsAt, tz), reason: v.reason.trim() || null }));
  const v = form.values;
  const e = form.errors;
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <p className="muted notify-note">An override puts someone on call over every layer for a while (a swap, a sick day).</p>
      <div className="form-grid">
        <ResponderFields value={v.responder} onChange={(r) => form.set("responder", r)} errors={e} prefix="responder" known={known} />
        <TextField label={`From (${tz})`} type="datetime-local" required value={v.startsAt} onChange={(x) => form.set("startsAt", x)} error={e.startsAt} />
        <TextField label={`Until (${tz})`} type="datetime-local" required value={v.endsAt} onChange={(x) => form.set("endsAt", x)} error={e.endsAt} />
        <TextField label="Reason" value={v.reason} onChange={(x) => form.set("reason", x)} error={e.reason} />
      </div>
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>Add override</Button>
      </div>
    </form>
  );
}
