/**
 * Dead letters: route messages and notifications given up on after their retries. A FAILED one
 * can be replayed (queued once more) or discarded; up to 100 selected replay at once; purge
 * removes old ones. Filters and the page offset live in the URL.
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { DEAD_LETTER_SOURCES, DEAD_LETTER_STATUSES, DeadLetterPurge, DeadLetterReplay } from "../../../http/api/bodies/notify";
import { api, withQuery, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton, SelectField, TextField } from "../../ui/controls";
import { StatusBadge } from "../../ui/badges";
import { KeyValue, Modal } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { ResultBox, useAction } from "./parts";
import { PATHS, type DeadLetter, type ReplayResult } from "./types";

const LIMIT = 50;
const MAX_REPLAY = 100;
const keys = [["dead-letters"], ["deliveries"]];

function PayloadView({ d }: { d: DeadLetter }) {
  return (
    <>
      <KeyValue
        items={[
          ["Source", `${d.source}${d.sourceId ? ` ${d.sourceId}` : ""}`],
          ["Destination", `${d.destinationType}: ${d.destination}`],
          ["Topic", d.originalTopic],
          ["Attempts", d.attempts],
          ["First failed", dateTime(d.firstFailedAt)],
          ["Last failed", dateTime(d.lastFailedAt)],
          ["Status", <StatusBadge key="s" status={d.status} />],
          ["Resolved", d.resolvedAt ? `${dateTime(d.resolvedAt)} by ${d.resolvedBy ?? "?"}` : null],
        ]}
      />
      <h3 className="notify-subhead">Last error</h3>
      <p className="notify-error-text">{d.errorMessage}</p>
      <h3 className="notify-subhead">Payload {d.payloadEncoding === "base64" ? "(not JSON: base64 bytes)" : ""}</h3>
      <pre className="notify-payload" tabIndex={0} aria-label="Payload">{d.payloadEncoding === "json" ? JSON.stringify(d.payload, null, 2) : String(d.payload)}</pre>
    </>
  );
}

function PurgeForm({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const form = useForm(
    { olderThanDays: "30" },
    DeadLetterPurge,
    async (q) => {
      const r = await api.del<{ purged: number }>(withQuery(PATHS.deadLetters, { olderThanDays: q.olderThanDays }));
      toast(`Purged ${r.purged} dead letter${r.purged === 1 ? "" : "s"}`);
      await Promise.all(keys.map((queryKey) => qc.invalidateQueries({ queryKey })));
      onDone();
    },
    // Empty must not read as 0 (which would purge everything).
    (v) => ({ olderThanDays: v.olderThanDays.trim() || undefined }),
  );
  return (
    <form onSubmit={(e) => e.preventDefault()} noValidate>
      <p>Removes FAILED dead letters that last failed, and resolved ones resolved, more than this many days ago. This cannot be undone.</p>
      <TextField label="Older than (days)" inputMode="numeric" value={form.values.olderThanDays} onChange={(x) => form.set("olderThanDays", x)} error={form.errors.olderThanDays} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <ConfirmButton busy={form.busy} confirm={`Purge dead letters older than ${form.values.olderThanDays || "?"} days?`} onConfirm={() => void form.submit()}>Purge</ConfirmButton>
      </div>
    </form>
  );
}

export function DeadLetters() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [f, setF] = useUrlState({ dlStatus: "", source: "", offset: "0" });
  const offset = Number(f.offset) || 0;
  const query = useQuery({
    queryKey: ["dead-letters", f],
    queryFn: () => api.get<Page<DeadLetter>>(PATHS.deadLetters, { status: f.dlStatus, source: f.source, limit: LIMIT, offset }),
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [viewing, setViewing] = useState<DeadLetter | null>(null);
  const [purging, setPurging] = useState(false);
  const [replayed, setReplayed] = useState<ReplayResult | null>(null);
  const { busy, run } = useAction();
  const set = (patch: Partial<typeof f>) => (setSelected(new Set()), setF({ ...patch, offset: patch.offset ?? null }));

  async function replaySelected() {
    const body = DeadLetterReplay.safeParse({ ids: [...selected] });
    if (!body.success) return toast(`Select between 1 and ${MAX_REPLAY} dead letters to replay`, "bad");
    const r = await run("replay-many", () => api.post<ReplayResult>(`${PATHS.deadLetters}/replay`, { ids: body.data.ids }), { ok: (x) => `Replayed ${x.replayed.length}${x.skipped.length ? `, skipped ${x.skipped.length}` : ""}`, keys });
    if (r) (setReplayed(r), setSelected(new Set()));
  }

  const act = (d: DeadLetter, what: "replay" | "discard") =>
    run(`${what}-${d.deadLetterId}`, () => api.post(`${PATHS.deadLetters}/${d.deadLetterId}/${what}`), { ok: what === "replay" ? "Queued again" : "Discarded", keys });

  const columns: Column<DeadLetter>[] = [
    { key: "when", header: "Last failed", className: "notify-nowrap", cell: (d) => <time dateTime={d.lastFailedAt} title={dateTime(d.lastFailedAt)}>{ago(d.lastFailedAt)}</time> },
    { key: "what", header: "Message", cell: (d) => <>{d.source === "route" ? "message route" : "notification"}<div><span className="mono muted notify-clip" title={d.destination}>{d.destinationType}: {d.destination}</span></div></> },
    { key: "reason", header: "Reason", cell: (d) => <span className="notify-clip notify-error-text" title={d.errorMessage}>{d.errorMessage}</span> },
    { key: "attempts", header: "Tries", className: "num", cell: (d) => d.attempts },
    { key: "status", header: "Status", cell: (d) => <StatusBadge status={d.status} /> },
    {
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (d) => (
        <div className="row">
          <Button onClick={() => setViewing(d)} aria-label={`View payload of the dead letter from ${ago(d.lastFailedAt)}`}>View</Button>
          {write && d.status === "FAILED" ? (
            <>
              <Button busy={busy === `replay-${d.deadLetterId}`} onClick={() => void act(d, "replay")}>Replay</Button>
              <ConfirmButton busy={busy === `discard-${d.deadLetterId}`} confirm="Discard for good?" onConfirm={() => void act(d, "discard")}>Discard</ConfirmButton>
            </>
          ) : null}
        </div>
      ),
    },
  ];

  return (
    <>
      <div className="toolbar">
        <SelectField label="Status" value={f.dlStatus} onChange={(dlStatus) => set({ dlStatus })} options={[{ value: "", label: "Any" }, ...DEAD_LETTER_STATUSES.map((s) => ({ value: s, label: s.toLowerCase() }))]} />
        <SelectField label="Source" value={f.source} onChange={(source) => set({ source })} options={[{ value: "", label: "Any" }, ...DEAD_LETTER_SOURCES.map((s) => ({ value: s, label: s === "route" ? "message route" : s }))]} />
        <span className="spacer" />
        {write ? (
          <>
            <Button variant="primary" disabled={!selected.size || selected.size > MAX_REPLAY} busy={busy === "replay-many"} onClick={() => void replaySelected()}>
              Replay selected ({selected.size})
            </Button>
            <Button variant="danger" onClick={() => setPurging(true)}>Purge…</Button>
          </>
        ) : null}
      </div>
      {replayed?.skipped.length ? (
        <ResultBox ok={false}>
          Skipped {replayed.skipped.length}:{" "}
          <ul className="notify-skipped">{replayed.skipped.map((s) => <li key={s.deadLetterId}><code>{s.deadLetterId.slice(0, 8)}</code> {s.reason}</li>)}</ul>
          <Button variant="ghost" onClick={() => setReplayed(null)}>Dismiss</Button>
        </ResultBox>
      ) : null}
      <DataTable
        query={query}
        rows={query.data?.items}
        columns={columns}
        rowKey={(d) => d.deadLetterId}
        caption="Dead letters, last failed first"
        selected={write ? selected : undefined}
        onSelect={write ? setSelected : undefined}
        empty={f.dlStatus || f.source ? "No dead letters match these filters." : "No dead letters: every message and notice was delivered or is still being retried."}
      />
      {query.data ? <Pagination total={query.data.total} limit={LIMIT} offset={offset} onChange={(o) => set({ offset: String(o) })} /> : null}
      <Modal open={viewing !== null} title="Dead letter" onClose={() => setViewing(null)} wide>
        {viewing ? <PayloadView d={viewing} /> : null}
      </Modal>
      <Modal open={purging} title="Purge dead letters" onClose={() => setPurging(false)}>
        <PurgeForm onDone={() => setPurging(false)} />
      </Modal>
    </>
  );
}
