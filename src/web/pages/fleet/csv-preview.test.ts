import { describe, expect, test } from "bun:test";
import { errorsByRow, EXAMPLE_CSV, previewCsv, tokensCsv } from "./csv-preview";

const TEMPLATE = "0b9a7c1e-4f1d-4c7a-9a49-5b7f0d2c9e11";

describe("CSV import preview", () => {
  test("valid rows parse with quoting, CRLF, tags split on ';' and blank cells left out", () => {
    const csv = 'device_id,Display Name,site_id,tags,serial\r\npump-1,"Pump, north",plant-1,north; cold ,SN-1\r\n\r\npump-2,"Say ""hi""",,,\r\n';
    expect(previewCsv(csv)).toEqual({
      problems: [],
      rows: [
        { row: 2, fields: { deviceId: "pump-1", displayName: "Pump, north", siteId: "plant-1", tags: ["north", "cold"], serialNumber: "SN-1" }, errors: [] },
        { row: 4, fields: { deviceId: "pump-2", displayName: 'Say "hi"' }, errors: [] },
      ],
    });
  });

  test("the example file is valid", () => {
    const p = previewCsv(EXAMPLE_CSV);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => r.errors)).toEqual([[]]);
  });

  test("each bad row names its field; duplicates point at the first row", () => {
    const csv = `deviceId,siteId,templateId\nok-1,plant-1,${TEMPLATE}\nbad id,plant-1,\nok-1,,not-a-uuid\n`;
    const p = previewCsv(csv);
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.row, r.errors])).toEqual([
      [2, []],
      [3, ["deviceId: expected a device id: letters, digits, '_', ':' or '-', up to 128"]],
      [4, ["templateId: expected a UUID", "deviceId: device ok-1 is also in row 2"]],
    ]);
  });

  test("sites and templates the tenant does not have are flagged when they are known", () => {
    const csv = `deviceId,siteId,templateId\na,plant-1,${TEMPLATE}\nb,plant-9,\n`;
    const p = previewCsv(csv, { sites: new Set(["plant-1"]), templates: new Set() });
    expect(p.rows.map((r) => r.errors)).toEqual([[`templateId: template ${TEMPLATE} not found`], ["siteId: site plant-9 not found"]]);
    // Unknown lookups (still loading) flag nothing.
    expect(previewCsv(csv).rows.every((r) => r.errors.length === 0)).toBe(true);
  });

  test("problems of the file itself come back without rows", () => {
    expect(previewCsv("")).toEqual({ rows: [], problems: ["row 1: the CSV is empty; the first row must name the columns (deviceId, displayName, siteId, …)"] });
    expect(previewCsv("deviceId,colour\na,red\n").problems).toEqual(['row 1: unknown column "colour"; use deviceId, displayName, siteId, templateId, tags, serialNumber, model']);
    expect(previewCsv('deviceId,displayName\n"a,b\n').problems).toEqual(["row 2: a quoted field is not closed"]);
    const ragged = previewCsv("deviceId,displayName\na,A\nb\n");
    expect(ragged.problems).toEqual(["row 3: expected 2 fields like the header, found 1"]);
    expect(ragged.rows.map((r) => r.row)).toEqual([2]);
  });

  test("more rows than one import takes is a problem", () => {
    const csv = "deviceId\n" + Array.from({ length: 501 }, (_, i) => `d-${i}`).join("\n");
    expect(previewCsv(csv).problems).toEqual(["row 502: at most 500 devices per import; split the file"]);
  });

  test("server errors land on their rows", () => {
    const m = errorsByRow([
      { path: "row 3.siteId", message: "site x not found" },
      { path: "row 3.deviceId", message: "device a already exists" },
      { path: "row 1", message: "no devices below the header" },
      { path: "(body)", message: "not valid JSON" },
    ]);
    expect([...m]).toEqual([
      [3, ["siteId: site x not found", "deviceId: device a already exists"]],
      [1, ["no devices below the header"]],
      [0, ["not valid JSON"]],
    ]);
  });

  test("tokens download as CSV, quoted where needed", () => {
    expect(tokensCsv([{ deviceId: "a", provisionToken: "t1" }, { deviceId: "b:1", provisionToken: 'x,"y' }])).toBe('deviceId,provisionToken\r\na,t1\r\nb:1,"x,""y"\r\n');
  });
});
