/**
 * Registering devices from a CSV file: pick or paste the file, check the preview (parsed and
 * validated here as the server will), import all or nothing, then keep the tokens, which are
 * shown once.
 */
import { useMemo, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { IMPORT_MAX_ROWS } from "../../../http/api/bodies/devices";
import { api, ApiError, errorMessage } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { Button, CopyBlock, Field, TextArea } from "../../ui/controls";
import { Card, PageHeader } from "../../ui/layout";
import { DataTable, Empty, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { API, useSites, useTemplates } from "./data";
import { COLUMNS, errorsByRow, EXAMPLE_CSV, previewCsv, tokensCsv, type PreviewRow } from "./csv-preview";

interface Issued {
  deviceId: string;
  provisionToken: string;
}
type Outcome = { kind: "created"; devices: Issued[] } | { kind: "rejected"; message: string; byRow: Map<number, string[]> };

const LABELS: Record<(typeof COLUMNS)[number], string> = { deviceId: "Device ID", displayName: "Name", siteId: "Site", templateId: "Template", tags: "Tags", serialNumber: "Serial", model: "Model" };

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function resultCell(r: PreviewRow, outcome: Outcome | null) {
  if (outcome?.kind === "created") return <span className="badge badge-ok">created</span>;
  const errors = outcome?.kind === "rejected" ? (outcome.byRow.get(r.row) ?? []) : r.errors;
  if (!errors.length) return outcome ? <span className="muted">valid; not imported</span> : <span className="badge badge-ok">ok</span>;
  return (
    <ul className="fleet-errors">
      {errors.map((e) => <li key={e}>{e}</li>)}
    </ul>
  );
}

function columns(outcome: Outcome | null): Column<PreviewRow>[] {
  return [
    { key: "row", header: "Row", className: "num", cell: (r) => r.row },
    ...COLUMNS.map((k) => ({ key: k, header: LABELS[k], cell: (r: PreviewRow) => { const v = r.fields[k]; return Array.isArray(v) ? v.join(", ") : (v ?? ""); } })),
    { key: "result", header: outcome ? "Result" : "Check", cell: (r) => resultCell(r, outcome) },
  ];
}

function Created({ devices }: { devices: Issued[] }) {
  return (
    <Card className="fleet-section" title={`Imported ${devices.length} device${devices.length === 1 ? "" : "s"}`} actions={<Button variant="primary" onClick={() => download("device-tokens.csv", tokensCsv(devices))}>Download tokens (CSV)</Button>}>
      <p className="fleet-warning" role="note"><strong>Keep the tokens now.</strong> They are not shown again; a lost one can be replaced from the device page.</p>
      <CopyBlock label="Provision tokens" text={tokensCsv(devices)} />
      <p><Link href="/devices">Go to devices</Link></p>
    </Card>
  );
}

export default function DeviceImport() {
  const { me } = useAuth();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const sites = useSites();
  const templates = useTemplates();
  const known = useMemo(() => ({ sites: sites.data && new Set(sites.data.items.map((s) => s.siteId)), templates: templates.data && new Set(templates.data.items.map((t) => t.templateId)) }), [sites.data, templates.data]);
  const preview = useMemo(() => (text.trim() ? previewCsv(text, known) : null), [text, known]);
  const bad = preview ? preview.rows.filter((r) => r.errors.length).length : 0;
  const change = (t: string) => (setText(t), setOutcome(null));

  const submit = async () => {
    setBusy(true);
    try {
      const r = await api.post<{ created: number; devices: Issued[] }>(`${API}/devices/import`, text);
      setOutcome({ kind: "created", devices: r.devices });
      await Promise.all(["devices", "fleet", "sites", "tags"].map((k) => qc.invalidateQueries({ queryKey: [k] })));
      toast(`Imported ${r.created} devices`);
    } catch (err) {
      setOutcome({ kind: "rejected", message: errorMessage(err), byRow: errorsByRow(err instanceof ApiError ? err.errors : []) });
      toast("Nothing was imported", "bad");
    } finally {
      setBusy(false);
    }
  };
  const header = <PageHeader title="Import devices" subtitle={<>Register up to {IMPORT_MAX_ROWS} devices from a CSV file; all or nothing. <Link href="/devices">Back to devices</Link></>} />;
  if (!canWrite(me)) return <>{header}<Empty>Your role can view devices but not add them. Ask a tenant admin.</Empty></>;
  const fileProblems = outcome?.kind === "rejected" ? [...(outcome.byRow.get(0) ?? []), ...(outcome.byRow.get(1) ?? [])] : [];
  return (
    <>
      {header}
      <div className="grid-2">
        <Card title="File">
          <Field label="CSV file" hint="Columns: deviceId (required), displayName, siteId, templateId, tags (separated by ';'), serialNumber, model.">
            {(id, d) => <input id={id} aria-describedby={d} type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void e.target.files?.[0]?.text().then(change)} />}
          </Field>
          <TextArea label="Or paste CSV" value={text} onChange={change} rows={8} className="mono" spellCheck={false} />
        </Card>
        <Card title="Example">
          <p className="muted">The first row names the columns; each further row is one device.</p>
          <CopyBlock label="Example CSV" text={EXAMPLE_CSV} />
        </Card>
      </div>
      {outcome?.kind === "created" ? <Created devices={outcome.devices} /> : null}
      {preview ? (
        <section className="fleet-section" aria-label="Preview">
          <div className="card-head">
            <h2>Preview: {preview.rows.length} row{preview.rows.length === 1 ? "" : "s"}</h2>
            <Button variant="primary" busy={busy} disabled={!!preview.problems.length || bad > 0 || !preview.rows.length || outcome?.kind === "created"} onClick={() => void submit()}>
              Import {preview.rows.length} device{preview.rows.length === 1 ? "" : "s"}
            </Button>
          </div>
          {[...preview.problems, ...fileProblems].length || bad || outcome?.kind === "rejected" ? (
            <div className="form-error" role="alert">
              {outcome?.kind === "rejected" ? <p>Nothing was imported{[...outcome.byRow.keys()].some((r) => r > 1) ? "; fix the rows marked below." : `: ${outcome.message}`}</p> : null}
              {bad ? <p>Fix the {bad} row{bad === 1 ? "" : "s"} marked below, then import.</p> : null}
              {[...preview.problems, ...fileProblems].map((p) => <div key={p}>{p}</div>)}
            </div>
          ) : null}
          <DataTable rows={preview.rows} columns={columns(outcome)} rowKey={(r) => String(r.row)} caption="Rows to import" empty="No device rows below the header yet." />
        </section>
      ) : (
        <div className="fleet-section">
          <Empty>Choose a CSV file or paste its text to see what will be imported.</Empty>
        </div>
      )}
    </>
  );
}
