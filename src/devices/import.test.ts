import { describe, expect, test } from "bun:test";
import { CsvError, parseCsv, readDeviceCsv } from "./import";

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe("parseCsv", () => {
  test("plain fields, LF and CRLF line ends, with or without a final line break", () => {
    expect(cells("a,b\n1,2")).toEqual([["a", "b"], ["1", "2"]]);
    expect(cells("a,b\r\n1,2\r\n")).toEqual([["a", "b"], ["1", "2"]]);
    expect(cells("a,b\r1,2\r")).toEqual([["a", "b"], ["1", "2"]]);
  });

  test("quoted fields keep commas, doubled quotes and line breaks", () => {
    expect(cells('id,name\n"x,1","say ""hi"""\n"multi\r\nline",""\n')).toEqual([
      ["id", "name"],
      ["x,1", 'say "hi"'],
      ["multi\r\nline", ""],
    ]);
  });

  test("empty fields, a byte-order mark and blank lines", () => {
    expect(cells("\uFEFFa,b,c\n,,\n\n1,,3\n")).toEqual([["a", "b", "c"], ["", "", ""], ["1", "", "3"]]);
  });

  test("rows are numbered as a spreadsheet shows them: blank lines count, a multi-line cell is one row", () => {
    expect(parseCsv('h\n"a\nb"\n\nc\n').map((r) => r.row)).toEqual([1, 2, 4]);
  });

  test("malformed quoting fails with the row", () => {
    const fails = (text: string, row: number, message: RegExp) => {
      try {
        parseCsv(text);
        throw new Error("parsed");
      } catch (err) {
        expect(err).toBeInstanceOf(CsvError);
        expect((err as CsvError).row).toBe(row);
        expect((err as CsvError).message).toMatch(message);
      }
    };
    fails('a\n"open\n', 2, /not closed/);
    fails('a\nab"c\n', 2, /quote inside an unquoted field/);
    fails('a,b\n1,2\n"x"y,3\n', 3, /after a closing quote/);
  });
});

describe("readDeviceCsv", () => {
  test("maps header aliases, trims cells, splits tags and drops empty cells", () => {
    const r = readDeviceCsv("device_id,Name,site_id,tags,Serial Number\n pump-1 ,Pump 1,site-1, a ; b ;,\n", 500);
    expect(r.errors).toEqual([]);
    expect(r.devices).toEqual([{ row: 2, fields: { deviceId: "pump-1", displayName: "Pump 1", siteId: "site-1", tags: ["a", "b"] } }]);
  });

  test("structural problems name the row", () => {
    expect(readDeviceCsv("", 500).errors[0]!.message).toMatch(/empty/);
    expect(readDeviceCsv("name,colour\nx,y\n", 500).errors.map((e) => e.message)).toEqual([expect.stringMatching(/unknown column "colour"/), expect.stringMatching(/deviceId/)]);
    expect(readDeviceCsv("deviceId,device_id\na,b\n", 500).errors[0]!.message).toMatch(/repeats deviceId/);
    expect(readDeviceCsv("deviceId\n", 500).errors[0]!.message).toMatch(/no devices/);
    expect(readDeviceCsv("deviceId,model\na,m\nb\n", 500).errors).toEqual([{ path: "row 3", message: "expected 2 fields like the header, found 1" }]);
    expect(readDeviceCsv('deviceId\n"a\n', 500).errors).toEqual([{ path: "row 2", message: "a quoted field is not closed" }]);
    expect(readDeviceCsv("deviceId\na\nb\nc\n", 2).errors).toEqual([{ path: "row 4", message: "at most 2 devices per import; split the file" }]);
  });
});
