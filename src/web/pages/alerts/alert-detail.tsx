/** One alert in a dialog: what it is, its history (every transition), and what can be done to it. */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { AlertCloseBody } from "../../../http/api/bodies/alerts";
import { api } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { ago, dateTime } from "../../lib/format";
import { SeverityBadge, StatusBadge } from "../../ui/badges";
import { Button, TextField } from "../../ui/controls";
import { KeyValue, Modal } from "../../ui/layout";
import { QueryView } from "../../ui/table";
import { toast } from "../../ui/toast";
import { AlertActions, alertCalls } from "./alert-actions";
import { eventText } from "./inbox-query";
import type { AlertDetail, AlertRule } from "./types";

const who = (at: string | null, by: string | null) => (at ? `${dateTime(at)}${by ? ` by ${by}` : ""}` : null);

function CloseForm({ alertId, onDone }: { alertId: number; onDone: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm({ reason: "" }, AlertCloseBody, async (body) => {
    await alertCalls.close(alertId, body?.reason);
    void queryClient.invalidateQueries({ queryKey: ["alerts"] });
    void queryClient.invalidateQueries({ queryKey: ["fleet"] });
    toast(`Alert ${alertId} closed`);
    onDone();
  }, (v) => (v.reason.trim() ? { reason: v.reason } : {}));
  return (
    <form className="alerts-close-form" onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Reason (optional)" autoFocus maxLength={500} value={form.values.reason} onChange={(v) => form.set("reason", v)} error={form.errors.reason} />
      {form.formError && !Object.keys(form.errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button type="submit" variant="danger" busy={form.busy}>Close alert</Button>
      </div>
    </form>
  );
}

function RuleLink({ ruleId }: { ruleId: string }) {
  const q = useQuery({ queryKey: ["alert-rules", "one", ruleId], queryFn: () => api.get<AlertRule>(`/api/v1/customer/alert-rules/${ruleId}`), retry: false });
  return <Link href={`/rules/${ruleId}`}>{q.data?.name ?? (q.isError ? "deleted rule" : "the rule")}</Link>;
}

function Body({ a }: { a: AlertDetail }) {
  const { me } = useAuth();
  const [closing, setClosing] = useState(false);
  return (
    <div className="stack">
      <p className="alerts-detail-summary">{a.summary}</p>
      <KeyValue
        items={[
          ["Severity", <SeverityBadge severity={a.severity} />],
          ["Status", <span className="row"><StatusBadge status={a.status} />{a.silenced ? <span className="badge">silenced</span> : null}</span>],
          ["Type", a.alertType],
          ["Device", a.deviceId ? <Link href={`/devices/${encodeURIComponent(a.deviceId)}`}>{a.deviceId}</Link> : null],
          ["Rule", a.ruleId ? <RuleLink ruleId={a.ruleId} /> : null],
          ["Opened", dateTime(a.openedAt)],
          ["Last triggered", `${dateTime(a.lastTriggeredAt)} (${a.triggerCount}×)`],
          ["Acknowledged", who(a.acknowledgedAt, a.acknowledgedBy)],
          ["Closed", who(a.closedAt, a.closedBy)],
          ["Close reason", a.closeReason],
          ["Silenced until", a.silenced ? dateTime(a.silencedUntil) : null],
          ["Escalation", a.nextEscalationAt ? `level ${a.escalationLevel}, next ${ago(a.nextEscalationAt)}` : `level ${a.escalationLevel}`],
        ]}
      />
      {canWrite(me) && a.status !== "CLOSED" ? (
        closing ? <CloseForm alertId={a.alertId} onDone={() => setClosing(false)} /> : <div className="row"><AlertActions alert={a} onClose={() => setClosing(true)} /></div>
      ) : null}
      <section aria-labelledby="alert-history">
        <h3 id="alert-history" className="alerts-h3">History</h3>
        <ol className="alerts-history">
          {a.events.map((e) => (
            <li key={e.eventId}>
              <time dateTime={e.at} title={dateTime(e.at)}>{dateTime(e.at)}</time>
              <span>{eventText(e)}</span>
            </li>
          ))}
        </ol>
      </section>
      {Object.keys(a.details).length ? (
        <details>
          <summary>Details</summary>
          <pre className="alerts-json">{JSON.stringify(a.details, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}

export function AlertDialog({ alertId, onClose }: { alertId: number | null; onClose: () => void }) {
  const q = useQuery({ queryKey: ["alerts", "detail", alertId], queryFn: () => api.get<AlertDetail>(`/api/v1/customer/alerts/${alertId}`), enabled: alertId !== null });
  return (
    <Modal open={alertId !== null} title={`Alert ${alertId ?? ""}`} onClose={onClose} wide>
      <QueryView query={q}>{(a) => <Body a={a} />}</QueryView>
    </Modal>
  );
}
