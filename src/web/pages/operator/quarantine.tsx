/**
 * Quarantined device messages: why each was rejected (the reason first), the last day's
 * rejections by reason and by tenant, filters by tenant, reason and time (in the URL), and each
 * message's payload preview in a dialog.
 */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { ago, bytes, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { CopyBlock, SelectField, TextField } from "../../ui/controls";
import { Card, KeyValue, Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination, QueryView } from "../../ui/table";
import { Bars } from "./bars";
import { afterKeyEvent, bars, normalizeReason, PAGE_SIZE, pretty, quarantineQuery, RANGES, type QuarantineFilter } from "./model";
import { SearchBox } from "./search-box";
import { TenantFilter } from "./tenant-filter";

interface QuarantineEvent {
  eventId: number;
  receivedAt: string;
  eventTs: string | null;
  tenantId: string | null;
  deviceId: string | null;
  siteId: string | null;
  msgType: string | null;
  source: string;
  topic: string | null;
  reason: string;
  detail: string | null;
  payloadSize: number;
  payload: { encoding: "utf-8" | "base64"; data: string; truncated: boolean } | null;
}
type SummaryRow = { tenantId: string | null; reason: string; count: number };

const useSummary = () =>
  useQuery({ queryKey: ["operator", "quarantine", "summary"], queryFn: () => api.get<{ items: SummaryRow[] }>("/api/v1/operator/quarantine/summary") });

/** A UTF-8 payload that is whole JSON reads better indented. */
function readable(p: NonNullable<QuarantineEvent["payload"]>): string {
  if (p.encoding !== "utf-8" || p.truncated) return p.data;
  try {
    return pretty(JSON.parse(p.data));
  } catch {
    return p.data;
  }
}

function Reason({ e }: { e: QuarantineEvent }) {
  return (
    <div className="operator-reason-cell">
      <span className="operator-reason">{e.reason}</span>
      {e.detail ? <span className="operator-detail">{e.detail}</span> : null}
    </div>
  );
}

function PayloadModal({ e, onClose }: { e: QuarantineEvent; onClose: () => void }) {
  return (
    <Modal open title={`Rejected message ${e.eventId}`} onClose={onClose} wide>
      <div className="stack">
        <div className="operator-reason-head">
          <span className="operator-reason operator-reason-lg">{e.reason}</span>
          {e.detail ? <p className="operator-lead">{e.detail}</p> : null}
        </div>
        <KeyValue
          items={[
            ["Received", dateTime(e.receivedAt)],
            ["Message time", e.eventTs ? dateTime(e.eventTs) : null],
            ["Tenant", e.tenantId ?? <span className="muted">unknown</span>],
            ["Device", e.deviceId ? <span className="mono">{e.deviceId}</span> : <span className="muted">unknown</span>],
            ["Site", e.siteId],
            ["Message type", e.msgType],
            ["Source", e.source],
            ["Topic", e.topic ? <span className="mono">{e.topic}</span> : null],
            ["Size", bytes(e.payloadSize)],
          ]}
        />
        <section>
          <h3 className="operator-h3">Payload</h3>
          {e.payload ? (
            <>
              {e.payload.encoding === "base64" || e.payload.truncated ? (
                <p className="muted">
                  {e.payload.encoding === "base64" ? "Not UTF-8 text: shown as base64. " : ""}
                  {e.payload.truncated ? `The first 2 KB of ${bytes(e.payloadSize)}.` : ""}
                </p>
              ) : null}
              <div className="operator-payload">
                <CopyBlock label="Payload" text={readable(e.payload)} />
              </div>
            </>
          ) : (
            <p className="muted">No payload was kept for this message.</p>
          )}
        </section>
      </div>
    </Modal>
  );
}

function Summary({ f, filter }: { f: QuarantineFilter; filter: (p: Partial<Record<keyof QuarantineFilter, string | null>>) => void }) {
  const q = useSummary();
  const reason = normalizeReason(f.reason);
  return (
    <QueryView query={q}>
      {({ items }) => {
        const total = items.reduce((n, r) => n + r.count, 0);
        const orphans = items.filter((r) => !r.tenantId).reduce((n, r) => n + r.count, 0);
        const tenants = bars(items.filter((r) => r.tenantId), (r) => r.tenantId!, (r) => r.count, 10);
        if (!total) return <Card title="Last 24 hours"><p className="muted">No message was rejected in the last 24 hours.</p></Card>;
        return (
          <div className="grid-2">
            <Card title={`By reason · ${total.toLocaleString()} in the last 24 hours`}>
              <Bars label="Rejections by reason" tone="bad" items={bars(items, (r) => r.reason, (r) => r.count)} name={(k) => <span className="mono">{k}</span>} selected={reason} onSelect={(k) => filter({ reason: k === reason ? null : k })} />
            </Card>
            <Card title="By tenant">
              {tenants.length ? (
                <Bars label="Rejections by tenant" items={tenants} name={(k) => <span className="mono">{k}</span>} selected={f.tenant} onSelect={(k) => filter({ tenant: k === f.tenant ? null : k })} />
              ) : null}
              {orphans ? <p className="muted">{orphans.toLocaleString()} more carry no tenant: the device was unknown or the envelope unreadable.</p> : null}
            </Card>
          </div>
        );
      }}
    </QueryView>
  );
}

export default function OperatorQuarantine() {
  const [f, set] = useUrlState({ tenant: "", reason: "", range: "24h", from: "", to: "", offset: "0" });
  const [open, setOpen] = useState<QuarantineEvent | null>(null);
  const filter = (patch: Partial<Record<keyof QuarantineFilter, string | null>>) => set({ ...patch, offset: null });
  const { errors } = quarantineQuery(f, Date.now());
  const list = useQuery({
    queryKey: ["operator", "quarantine", f],
    // Preset windows end now at each fetch; the key (the URL state) stays put.
    queryFn: () => api.get<Page<QuarantineEvent>>("/api/v1/operator/quarantine", quarantineQuery(f, Date.now()).query!),
    enabled: !errors,
    placeholderData: keepPreviousData,
  });
  const reasons = useSummary();
  const suggestions = [...new Set((reasons.data?.items ?? []).map((r) => r.reason))].sort();
  const filtered = !!(f.tenant || f.reason || f.range !== "all");
  return (
    <>
      <PageHeader title="Quarantine" subtitle="Device messages the platform rejected, and why. Rejections are kept for inspection; devices are not told." />
      <div className="stack">
        <Summary f={f} filter={filter} />
        <section aria-label="Rejected messages">
          <div className="toolbar" role="search" aria-label="Filter rejected messages">
            <TenantFilter value={f.tenant} onChange={(tenant) => filter({ tenant })} />
            <SearchBox label="Reason" placeholder="e.g. RATE_LIMITED" value={f.reason} error={errors?.reason} suggestions={suggestions} onCommit={(reason) => filter({ reason: normalizeReason(reason) })} />
            <SelectField label="Received" value={f.range} options={RANGES.map((r) => ({ value: r.value, label: r.label }))} onChange={(range) => filter({ range, from: null, to: null })} />
            {f.range === "custom" ? (
              <>
                <TextField label="From" type="datetime-local" value={f.from} error={errors?.from} onChange={(from) => filter({ from })} />
                <TextField label="To" type="datetime-local" value={f.to} error={errors?.to} onChange={(to) => filter({ to })} />
              </>
            ) : null}
          </div>
          {errors ? (
            <div className="state state-error" role="alert">Fix the filters above to see rejected messages.</div>
          ) : (
            <DataTable
              query={list}
              rows={list.data?.items}
              rowKey={(e) => String(e.eventId)}
              caption="Rejected messages, newest first"
              onRowClick={afterKeyEvent(setOpen)}
              empty={filtered ? "No rejected message matches these filters. Widen the time range or clear the reason." : "Nothing quarantined: every device message was accepted."}
              columns={[
                { key: "reason", header: "Reason", cell: (e) => <Reason e={e} /> },
                { key: "at", header: "Received", className: "operator-nowrap", cell: (e) => <span title={dateTime(e.receivedAt)}>{ago(e.receivedAt)}</span> },
                { key: "tenant", header: "Tenant", cell: (e) => (e.tenantId ? <span className="mono">{e.tenantId}</span> : <span className="muted">unknown</span>) },
                { key: "device", header: "Device", className: "operator-nowrap", cell: (e) => (e.deviceId ? <span className="mono">{e.deviceId}</span> : <span className="muted">unknown</span>) },
                { key: "source", header: "Source · topic", cell: (e) => <span className="operator-topic">{e.source}{e.topic ? <span className="mono muted"> {e.topic}</span> : null}</span> },
                { key: "size", header: "Size", className: "num operator-nowrap", cell: (e) => bytes(e.payloadSize) },
                { key: "open", header: <span className="sr-only">Payload</span>, cell: (e) => <button type="button" className="btn btn-ghost" onClick={() => setOpen(e)}>Payload</button> },
              ]}
            />
          )}
          {list.data && !errors ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
        </section>
      </div>
      {open ? <PayloadModal e={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
