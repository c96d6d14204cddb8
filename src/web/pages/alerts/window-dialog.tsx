/** Creating or changing a maintenance window, in a dialog: span, optional weekly hours, scope. */
import { useId } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, Checkbox, TextField } from "../../ui/controls";
import { Modal } from "../../ui/layout";
import { toast } from "../../ui/toast";
import { errorAt, plainErrors } from "./scope";
import { ScopePicker, useScopeNames } from "./scope-picker";
import type { MaintenanceWindow } from "./types";
import { browserZone, DAY_NAMES, fromWindow, newWindow, toWindowBody, WindowForm, type WindowDraft } from "./window-form";

const WINDOWS = "/api/v1/customer/maintenance-windows";
const ZONES: string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

function Weekly({ d, set, errors }: { d: WindowDraft; set: <K extends keyof WindowDraft>(k: K, v: WindowDraft[K]) => void; errors: Record<string, string> }) {
  const zones = useId();
  const toggle = (day: number) => set("days", d.days.includes(day) ? d.days.filter((x) => x !== day) : [...d.days, day]);
  return (
    <div className="alerts-weekly">
      <fieldset className="alerts-days" aria-describedby={errors["recurrence.days"] ? `${zones}-days` : undefined}>
        <legend>Days (the day each period starts)</legend>
        <div className="row">
          {DAY_NAMES.map((n, i) => <Checkbox key={n} label={n} checked={d.days.includes(i)} onChange={() => toggle(i)} />)}
        </div>
        {errors["recurrence.days"] ? <div className="field-error" role="alert" id={`${zones}-days`}>{errors["recurrence.days"]}</div> : null}
      </fieldset>
      <div className="form-grid">
        <TextField label="From" type="time" value={d.start} onChange={(v) => set("start", v)} error={errors["recurrence.start"]} />
        <TextField label="Until" type="time" hint="Earlier than From runs past midnight" value={d.end} onChange={(v) => set("end", v)} error={errors["recurrence.end"]} />
        <TextField label="Time zone" list={zones} value={d.timezone} onChange={(v) => set("timezone", v)} error={errors["recurrence.timezone"]} hint={`Yours is ${browserZone()}`} />
        <datalist id={zones}>{ZONES.map((z) => <option key={z} value={z} />)}</datalist>
      </div>
    </div>
  );
}

function WindowFormView({ window: w, onDone }: { window: MaintenanceWindow | null; onDone: () => void }) {
  const qc = useQueryClient();
  const names = useScopeNames();
  const form = useForm<WindowDraft, typeof WindowForm>(w ? fromWindow(w) : newWindow(), WindowForm, async (body) => {
    const saved = w ? await api.patch<MaintenanceWindow>(`${WINDOWS}/${w.windowId}`, body) : await api.post<MaintenanceWindow>(WINDOWS, body);
    await qc.invalidateQueries({ queryKey: ["maintenance-windows"] });
    toast(w ? `Window "${saved.name}" saved` : `Window "${saved.name}" created`);
    onDone();
  }, toWindowBody);
  const d = form.values;
  const e = plainErrors(form.errors);
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <div className="form-grid">
        <TextField label="Name" autoFocus maxLength={200} value={d.name} onChange={(v) => form.set("name", v)} error={e.name} />
        <TextField label="Starts" type="datetime-local" hint="Your local time" value={d.startsAt} onChange={(v) => form.set("startsAt", v)} error={e.startsAt && (d.startsAt ? e.startsAt : "choose when it starts")} />
        <TextField label="Ends (optional)" type="datetime-local" hint="Empty: open-ended" value={d.endsAt} onChange={(v) => form.set("endsAt", v)} error={e.endsAt} />
      </div>
      <div className="row alerts-gap">
        <Checkbox label="Enabled" checked={d.enabled} onChange={(v) => form.set("enabled", v)} />
        <Checkbox label="Only at certain weekly hours" checked={d.recurring} onChange={(v) => form.set("recurring", v)} />
      </div>
      {d.recurring ? <Weekly d={d} set={form.set} errors={e} /> : null}
      {errorAt(e, "recurrence") && !d.recurring ? <div className="field-error" role="alert">{errorAt(e, "recurrence")}</div> : null}
      <ScopePicker value={d.scope} onChange={(v) => form.set("scope", v)} errors={e} names={names} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>{w ? "Save window" : "Create window"}</Button>
      </div>
    </form>
  );
}

/** `window` undefined: closed; null: a new window. */
export function WindowDialog({ window: w, onClose }: { window: MaintenanceWindow | null | undefined; onClose: () => void }) {
  return (
    <Modal open={w !== undefined} title={w ? `Edit ${w.name}` : "New maintenance window"} onClose={onClose} wide>
      {w !== undefined ? <WindowFormView key={w?.windowId ?? "new"} window={w} onDone={onClose} /> : null}
    </Modal>
  );
}
