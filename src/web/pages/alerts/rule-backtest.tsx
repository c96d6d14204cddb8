/**
 * "What would this rule have done?": replays stored telemetry through the rule as drafted (not
 * saved) over a recent range and shows the alerts it would have opened, per device on a
 * timeline and as a list. Problems in the draft are put on the editor's fields.
 */
import { useState } from "react";
import { Link } from "wouter";
import { api, ApiError, errorMessage } from "../../lib/api";
import { dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, SelectField, TextField } from "../../ui/controls";
import { Card, Stat } from "../../ui/layout";
import { Empty } from "../../ui/table";
import { BACKTEST_RANGES, backtestRequest, byDevice, checkBacktest, editorPath } from "./backtest";
import { fieldLabel, RuleForm, toBody, type RuleDraft } from "./rule-form";
import { plainMessage } from "./scope";
import type { BacktestAlert, BacktestResult } from "./types";

type Ran = BacktestResult & { from: number; to: number };
const LIST_STEP = 100;

function listErrors(errors: Record<string, string>): string {
  return Object.entries(errors)
    .slice(0, 4)
    .map(([k, m]) => `${fieldLabel(k)}: ${plainMessage(m)}`)
    .join("; ");
}

function duration(a: BacktestAlert, end: number): string {
  const ms = (a.closedAt ? Date.parse(a.closedAt) : end) - Date.parse(a.openedAt);
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function Results({ r }: { r: Ran }) {
  const [shown, setShown] = useState(LIST_STEP);
  const devices = byDevice(r.alerts, r.from, r.to);
  return (
    <div className="stack">
      <div className="stats">
        <Stat label="Would-be alerts" value={r.alerts.length} tone={r.alerts.length ? "warn" : "ok"} />
        <Stat label="Devices that would alert" value={devices.length} />
        <Stat label="Devices in scope" value={r.devices} />
        <Stat label="Samples replayed" value={r.samples.toLocaleString()} />
      </div>
      {r.notes.length ? (
        <ul className={`alerts-notes ${r.truncated ? "alerts-notes-warn" : ""}`}>
          {r.notes.map((n) => <li key={n}>{n}</li>)}
        </ul>
      ) : null}
      {!r.alerts.length ? (
        <Empty>{r.samples ? "Nothing would have fired in this range. Loosen the conditions or try a longer range." : "No stored telemetry for these metrics and devices in this range. Check the metric names and the scope."}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Would-be alerts per device</caption>
              <thead><tr><th scope="col">Device</th><th scope="col" className="num">Alerts</th><th scope="col" className="alerts-track-col">{dateTime(new Date(r.from).toISOString())} → {dateTime(new Date(r.to).toISOString())}</th></tr></thead>
              <tbody>
                {devices.map((d) => (
                  <tr key={d.deviceId}>
                    <td><Link href={`/devices/${encodeURIComponent(d.deviceId)}`}>{d.deviceId}</Link></td>
                    <td className="num">{d.alerts.length}</td>
                    <td>
                      <div className="alerts-track" aria-hidden>
                        {d.spans.map((s, i) => <span key={i} className={`alerts-span ${s.open ? "alerts-span-open" : ""}`} style={{ left: `${s.left}%`, width: `${s.width}%` }} />)}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Would-be alerts</caption>
              <thead><tr><th scope="col">Device</th><th scope="col">Would open</th><th scope="col">Would close</th><th scope="col">For</th><th scope="col" className="num">Triggers</th><th scope="col">Summary</th></tr></thead>
              <tbody>
                {r.alerts.slice(0, shown).map((a, i) => (
                  <tr key={i}>
                    <td className="mono">{a.deviceId}</td>
                    <td>{dateTime(a.openedAt)}</td>
                    <td>{a.closedAt ? dateTime(a.closedAt) : <span className="muted">still open at the end</span>}</td>
                    <td>{duration(a, r.to)}</td>
                    <td className="num">{a.triggerCount}</td>
                    <td>{a.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {r.alerts.length > shown ? <Button variant="ghost" onClick={() => setShown(shown + LIST_STEP)}>Show more ({r.alerts.length - shown} left)</Button> : null}
        </>
      )}
    </div>
  );
}

export function BacktestPanel({ draft, onErrors }: { draft: RuleDraft; onErrors: (errors: Record<string, string>) => void }) {
  const [u, setU] = useUrlState({ bt: "24h" });
  const [devices, setDevices] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deviceError, setDeviceError] = useState<string | undefined>();
  const [result, setResult] = useState<Ran | null>(null);

  async function run() {
    setError(null);
    setDeviceError(undefined);
    const body = toBody(draft);
    const rule = RuleForm.safeParse(body);
    if (!rule.success) {
      const errs = Object.fromEntries(rule.error.issues.map((i) => [i.path.join("."), i.message]));
      onErrors(errs);
      return setError(`Fix the rule first. ${listErrors(errs)}`);
    }
    const req = backtestRequest({ type: body.type, definition: body.definition, scope: body.scope }, u.bt, devices, Date.now());
    const bad = checkBacktest(req);
    if (bad) return setDeviceError(bad["deviceIds.0"] ?? bad.deviceIds ?? listErrors(bad));
    setBusy(true);
    try {
      const r = await api.post<BacktestResult>("/api/v1/customer/alert-rules/backtest", req);
      setResult({ ...r, from: Date.parse(req.from), to: Date.parse(req.to) });
    } catch (err) {
      const fields = err instanceof ApiError ? Object.fromEntries(Object.entries(err.fieldErrors()).map(([k, m]) => [editorPath(k), m])) : {};
      onErrors(fields);
      setError(Object.keys(fields).length ? `The backtest refused the rule. ${listErrors(fields)}` : `The backtest failed: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Backtest">
      <p className="muted alerts-lead">Replays stored telemetry through the rule as it stands in the form, without saving it.</p>
      <div className="toolbar">
        <SelectField label="Range" value={u.bt} onChange={(bt) => setU({ bt })} options={BACKTEST_RANGES.map((r) => ({ value: r.id, label: r.label }))} />
        <TextField label="Only these devices (optional)" placeholder="demo-freezer-01, …" value={devices} onChange={(v) => (setDevices(v), setDeviceError(undefined))} error={deviceError} />
        <div className="field">
          <Button variant="primary" busy={busy} onClick={() => void run()}>Run backtest</Button>
        </div>
      </div>
      {error ? <div className="form-error" role="alert">{error}</div> : null}
      {result ? <Results r={result} /> : !error ? <Empty>Choose a range and run the backtest to see what would have fired.</Empty> : null}
    </Card>
  );
}
