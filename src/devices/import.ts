/**
 * Device CSV import: an RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF, line breaks
 * inside quotes) and the mapping of its header to device fields. Rows are numbered as a
 * spreadsheet shows them: the header is row 1, so error paths read `row 3.siteId`.
 */

export interface FieldError {
  path: string;
  message: string;
}

export class CsvError extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  /** 1-based, counting blank lines as a spreadsheet does; a quoted cell spanning lines is one row. */
  row: number;
  cells: string[];
}

/** Parses CSV text into records. Blank lines are skipped; a leading byte-order mark is ignored. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // the current field was quoted (text may not follow its closing quote)
  let row = 1;
  const endField = () => {
    record.push(field);
    field = "";
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (record.length > 1 || record[0] !== "") records.push({ row, cells: record });
    record = [];
    row++;
  };
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (s[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === ",") endField();
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && s[i + 1] === "\n") i++;
      endRecord();
    } else if (wasQuoted) throw new CsvError(row, "text after a closing quote; double quotes inside a quoted field");
    else if (ch === '"') {
      if (field !== "") throw new CsvError(row, "a quote inside an unquoted field; quote the whole field and double the quote");
      quoted = wasQuoted = true;
    } else field += ch;
  }
  if (quoted) throw new CsvError(row, "a quoted field is not closed");
  if (field !== "" || wasQuoted || record.length > 0) endRecord();
  return records;
}

/** Header names accepted for each field (compared case-insensitively, ignoring '_', '-' and spaces). */
const COLUMNS: Record<string, string> = {
  deviceid: "deviceId",
  displayname: "displayName",
  name: "displayName",
  siteid: "siteId",
  templateid: "templateId",
  tags: "tags",
  serialnumber: "serialNumber",
  serial: "serialNumber",
  model: "model",
};
const normalise = (h: string) => h.trim().toLowerCase().replace(/[\s_-]/g, "");

export interface CsvDevice {
  /** Spreadsheet row number (the header is usually row 1). */
  row: number;
  /** Non-empty cells by field; `tags` split on ';'. */
  fields: Record<string, string | string[]>;
}

/**
 * Reads device rows from CSV text. Structural problems (no header, unknown or repeated
 * columns, wrong field counts, too many rows) come back as errors; the values themselves are
 * validated by the caller.
 */
export function readDeviceCsv(text: string, maxRows: number): { devices: CsvDevice[]; errors: FieldError[] } {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) return { devices: [], errors: [{ path: `row ${err.row}`, message: err.message }] };
    throw err;
  }
  const [header, ...rows] = records;
  if (!header) return { devices: [], errors: [{ path: "row 1", message: "the CSV is empty; the first row must name the columns (deviceId, displayName, siteId, …)" }] };
  const errors: FieldError[] = [];
  const at = `row ${header.row}`;
  const names = header.cells.map((h) => COLUMNS[normalise(h)]);
  header.cells.forEach((h, i) => {
    if (!names[i]) errors.push({ path: at, message: `unknown column "${h}"; use deviceId, displayName, siteId, templateId, tags, serialNumber, model` });
    else if (names.indexOf(names[i]) !== i) errors.push({ path: at, message: `column "${h}" repeats ${names[i]}` });
  });
  if (!names.includes("deviceId")) errors.push({ path: at, message: "the header needs a deviceId (or device_id) column" });
  if (rows.length === 0) errors.push({ path: at, message: "no devices below the header" });
  if (rows.length > maxRows) errors.push({ path: `row ${rows[maxRows]!.row}`, message: `at most ${maxRows} devices per import; split the file` });
  if (errors.length > 0) return { devices: [], errors };

  const devices: CsvDevice[] = [];
  for (const { row, cells } of rows) {
    if (cells.length !== header.cells.length) {
      errors.push({ path: `row ${row}`, message: `expected ${header.cells.length} fields like the header, found ${cells.length}` });
      continue;
    }
    const fields: Record<string, string | string[]> = {};
    cells.forEach((cell, c) => {
      const value = cell.trim();
      if (value === "") return;
      const name = names[c]!;
      fields[name] = name === "tags" ? value.split(";").map((t) => t.trim()).filter(Boolean) : value;
    });
    devices.push({ row, fields });
  }
  return { devices, errors };
}
