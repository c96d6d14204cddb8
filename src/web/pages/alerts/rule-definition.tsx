/**
 * The rule editor's type-specific fields: threshold conditions (one or several, all or any,
 * held), window aggregation, telemetry gap and anomaly. Errors arrive keyed by body path.
 */
import { Button, SelectField, TextField } from "../../ui/controls";
import { AGGREGATIONS, NEW_CONDITION, OPS, type ConditionDraft, type RuleDraft } from "./rule-form";

type Errors = Record<string, string>;
interface Props<K extends keyof RuleDraft> {
  value: RuleDraft[K];
  onChange: (v: RuleDraft[K]) => void;
  errors: Errors;
}

const e = (errors: Errors, field: string) => errors[`definition.${field}`];
const numeric = { inputMode: "decimal" as const, autoComplete: "off" };

function ConditionRow({ c, i, count, errors, onChange, onRemove }: { c: ConditionDraft; i: number; count: number; errors: Errors; onChange: (c: ConditionDraft) => void; onRemove: () => void }) {
  const at = (f: string) => e(errors, `conditions.${i}.${f}`);
  return (
    <li className="alerts-condition" aria-label={`Condition ${i + 1}`}>
      <TextField label="Metric" placeholder="temp_c" value={c.metric} onChange={(metric) => onChange({ ...c, metric })} error={at("metric")} />
      <SelectField label="Operator" value={c.op} onChange={(op) => onChange({ ...c, op: op as ConditionDraft["op"] })} options={OPS} error={at("op")} />
      <TextField label="Value" {...numeric} value={c.value} onChange={(value) => onChange({ ...c, value })} error={at("value")} />
      <Button variant="ghost" className="alerts-remove" aria-label={`Remove condition ${i + 1}`} disabled={count === 1} onClick={onRemove}>
        Remove
      </Button>
    </li>
  );
}

export function ThresholdFields({ value: t, onChange, errors }: Props<"threshold">) {
  const setCondition = (i: number, c: ConditionDraft) => onChange({ ...t, conditions: t.conditions.map((x, j) => (j === i ? c : x)) });
  return (
    <>
      <ol className="alerts-conditions">
        {t.conditions.map((c, i) => (
          <ConditionRow key={i} c={c} i={i} count={t.conditions.length} errors={errors} onChange={(x) => setCondition(i, x)} onRemove={() => onChange({ ...t, conditions: t.conditions.filter((_, j) => j !== i) })} />
        ))}
      </ol>
      {e(errors, "conditions") ? <div className="field-error" role="alert">{e(errors, "conditions")}</div> : null}
      <div className="row alerts-add">
        <Button disabled={t.conditions.length >= 10} onClick={() => onChange({ ...t, conditions: [...t.conditions, NEW_CONDITION] })}>
          Add condition
        </Button>
        <span className="muted">Up to 10.</span>
      </div>
      <div className="form-grid">
        <SelectField label="Fire when" value={t.match} onChange={(m) => onChange({ ...t, match: m as "all" | "any" })} options={[{ value: "all", label: "all conditions are met" }, { value: "any", label: "any condition is met" }]} error={e(errors, "match")} />
        <TextField label="Hold for (seconds)" hint="How long the conditions must keep holding before the alert opens; 0 to 86400" {...numeric} value={t.holdSeconds} onChange={(holdSeconds) => onChange({ ...t, holdSeconds })} error={e(errors, "holdSeconds")} />
      </div>
    </>
  );
}

export function WindowFields({ value: w, onChange, errors }: Props<"window">) {
  const set = <K extends keyof typeof w>(k: K, v: (typeof w)[K]) => onChange({ ...w, [k]: v });
  return (
    <div className="form-grid">
      <TextField label="Metric" placeholder="power_w" value={w.metric} onChange={(v) => set("metric", v)} error={e(errors, "metric")} />
      <SelectField label="Aggregation" value={w.aggregation} onChange={(v) => set("aggregation", v as typeof w.aggregation)} options={AGGREGATIONS} error={e(errors, "aggregation")} />
      <TextField label="Window (seconds)" hint="60 to 3600" {...numeric} value={w.windowSeconds} onChange={(v) => set("windowSeconds", v)} error={e(errors, "windowSeconds")} />
      <SelectField label="Operator" value={w.op} onChange={(v) => set("op", v as typeof w.op)} options={OPS} error={e(errors, "op")} />
      <TextField label="Value" {...numeric} value={w.value} onChange={(v) => set("value", v)} error={e(errors, "value")} />
      <TextField label="Minimum samples" hint="In the window before it counts; 1 to 1000" {...numeric} value={w.minSamples} onChange={(v) => set("minSamples", v)} error={e(errors, "minSamples")} />
    </div>
  );
}

export function GapFields({ value: g, onChange, errors }: Props<"gap">) {
  return (
    <div className="form-grid">
      <TextField label="Metric" placeholder="temp_c" value={g.metric} onChange={(metric) => onChange({ ...g, metric })} error={e(errors, "metric")} />
      <TextField label="Gap (seconds)" hint="Silence longer than this opens the alert; 60 to 86400" {...numeric} value={g.gapSeconds} onChange={(gapSeconds) => onChange({ ...g, gapSeconds })} error={e(errors, "gapSeconds")} />
    </div>
  );
}

export function AnomalyFields({ value: a, onChange, errors }: Props<"anomaly">) {
  const set = <K extends keyof typeof a>(k: K, v: string) => onChange({ ...a, [k]: v });
  return (
    <div className="form-grid">
      <TextField label="Metric" placeholder="rms_mm_s" value={a.metric} onChange={(v) => set("metric", v)} error={e(errors, "metric")} />
      <TextField label="Window (minutes)" hint="The recent history compared against; 5 to 1440" {...numeric} value={a.windowMinutes} onChange={(v) => set("windowMinutes", v)} error={e(errors, "windowMinutes")} />
      <TextField label="z-score threshold" hint="Standard deviations from the mean; 1 to 10" {...numeric} value={a.zThreshold} onChange={(v) => set("zThreshold", v)} error={e(errors, "zThreshold")} />
      <TextField label="Minimum samples" hint="3 to 1000" {...numeric} value={a.minSamples} onChange={(v) => set("minSamples", v)} error={e(errors, "minSamples")} />
    </div>
  );
}

/** The fields of the draft's type. */
export function DefinitionFields({ draft, set, errors }: { draft: RuleDraft; set: <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]) => void; errors: Errors }) {
  switch (draft.type) {
    case "threshold":
      return <ThresholdFields value={draft.threshold} onChange={(v) => set("threshold", v)} errors={errors} />;
    case "window":
      return <WindowFields value={draft.window} onChange={(v) => set("window", v)} errors={errors} />;
    case "telemetry_gap":
      return <GapFields value={draft.gap} onChange={(v) => set("gap", v)} errors={errors} />;
    case "anomaly":
      return <AnomalyFields value={draft.anomaly} onChange={(v) => set("anomaly", v)} errors={errors} />;
  }
}
