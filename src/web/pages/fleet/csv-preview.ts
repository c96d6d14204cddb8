/**
 * The CSV import's client side: the file read with the server's own reader (so the preview
 * parses exactly as the import will), each row checked with the API's NewDevice schema,
 * duplicates and unknown sites or templates flagged, and the server's `row N.field` errors
 * put back on their rows.
 */
import { readDeviceCsv } from "../../../devices/import";
import { IMPORT_MAX_ROWS, NewDevice } from "../../../http/api/bodies/devices";

export interface PreviewRow {
  /** As a spreadsheet numbers it: the header is row 1. */
  row: number;
  fields: Record<string, string | string[]>;
  errors: string[];
}
export interface Preview {
  rows: PreviewRow[];
  /** Problems of the file itself (header, quoting, field counts, size). */
  problems: string[];
}

export const COLUMNS = ["deviceId", "displayName", "siteId", "templateId", "tags", "serialNumber", "model"] as const;

export const EXAMPLE_CSV = "deviceId,displayName,siteId,templateId,tags,serialNumber,model\npump-18,Pump 18,plant-1,,north;cold-chain,SN-0018,P-200\n";

export function previewCsv(text: string, known: { sites?: Set<string>; templates?: Set<string> } = {}): Preview {
  const { devices, errors } = readDeviceCsv(text, IMPORT_MAX_ROWS);
  const firstRow = new Map<string, number>();
  const rows = devices.map(({ row, fields }): PreviewRow => {
    const out: string[] = [];
    const r = NewDevice.safeParse(fields);
    if (!r.success) for (const i of r.error.issues) out.push(`${String(i.path[0] ?? "row")}: ${i.message}`);
    const id = typeof fields.deviceId === "string" ? fields.deviceId : undefined;
    if (id && firstRow.has(id)) out.push(`deviceId: device ${id} is also in row ${firstRow.get(id)}`);
    else if (id) firstRow.set(id, row);
    const site = fields.siteId;
    if (typeof site === "string" && known.sites && !known.sites.has(site)) out.push(`siteId: site ${site} not found`);
    const template = fields.templateId;
    if (typeof template === "string" && known.templates && !known.templates.has(template)) out.push(`templateId: template ${template} not found`);
    return { row, fields, errors: [...new Set(out)] };
  });
  return { rows, problems: errors.map((e) => `${e.path}: ${e.message}`) };
}

/** The import's problem+json errors by row (`row 3.siteId` → row 3, "siteId: …"); the rest under row 0. */
export function errorsByRow(errors: { path: string; message: string }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const e of errors) {
    const m = /^row (\d+)(?:\.(.+))?$/.exec(e.path);
    const row = m ? Number(m[1]) : 0;
    const text = m?.[2] ? `${m[2]}: ${e.message}` : e.message;
    out.set(row, [...(out.get(row) ?? []), text]);
  }
  return out;
}

const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The created devices' tokens as CSV, to keep them (they are shown only once). */
export function tokensCsv(devices: { deviceId: string; provisionToken: string }[]): string {
  return ["deviceId,provisionToken", ...devices.map((d) => `${cell(d.deviceId)},${cell(d.provisionToken)}`)].join("\r\n") + "\r\n";
}
