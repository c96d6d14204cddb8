import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationFiles, render } from "../../scripts/gen-embeds";
import { checksumOf, compareHistory, lineAt, loadMigrations, type Applied } from "./migrate";
import { MIGRATION_FILES } from "./migrations.gen";

test("migration files are numbered 0001.. without gaps, and the embedded list matches sql/", async () => {
  const files = migrationFiles();
  expect(files.map((f) => Number(f.slice(0, 4)))).toEqual(files.map((_, i) => i + 1));
  expect(await Bun.file(`${import.meta.dir}/migrations.gen.ts`).text()).toBe(render(files));
  expect(MIGRATION_FILES.map((m) => m.file)).toEqual(files);
});

test("the file name rule rejects names that would sort or read wrong", () => {
  for (const bad of [["0001_a.sql", "0003_b.sql"], ["0001_a.sql", "1_b.sql"], ["0001_Init.sql"], ["0002_a.sql"]]) {
    const dir = mkdtempSync(join(tmpdir(), "pulse-mig-"));
    for (const f of bad) writeFileSync(join(dir, f), "select 1;");
    expect(() => migrationFiles(dir)).toThrow(/sql\//);
    rmSync(dir, { recursive: true });
  }
});

test("checksums ignore line-ending conversion but nothing else", () => {
  expect(checksumOf("select 1;\r\nselect 2;\r\n")).toBe(checksumOf("select 1;\nselect 2;\n"));
  expect(checksumOf("select 1;")).not.toBe(checksumOf("select 1; "));
});

test("migrations marked breaking are recognised", () => {
  const [plain, breaking] = loadMigrations([
    { file: "0001_a.sql", sql: "select 1;" },
    { file: "0002_b.sql", sql: "-- why\n-- pulse:breaking\nalter table x drop column y;" },
  ]);
  expect([plain!.breaking, breaking!.breaking]).toEqual([false, true]);
});

test("history comparison tells applied, pending, edited and unknown apart", () => {
  const ms = loadMigrations([
    { file: "0001_a.sql", sql: "select 1;" },
    { file: "0002_b.sql", sql: "select 2;" },
    { file: "0003_c.sql", sql: "select 3;" },
  ]);
  const at = new Date("2026-01-01T00:00:00Z");
  const history: Applied[] = [
    { id: 1, name: "0001_a", checksum: ms[0]!.checksum, appliedAt: at, durationMs: 1 },
    { id: 2, name: "0002_b", checksum: "changed", appliedAt: at, durationMs: 1 },
    { id: 4, name: "0004_d", checksum: "x", appliedAt: at, durationMs: 1 },
  ];
  expect(compareHistory(ms, history).map((r) => [r.id, r.state])).toEqual([
    [1, "applied"],
    [2, "edited"],
    [3, "pending"],
    [4, "unknown"],
  ]);
});

test("an error position maps to the line of the migration file", () => {
  const text = "select 1;\nselect 2;\nselect nonsense from nowhere;";
  expect(lineAt(text, 1)).toBe(1);
  expect(lineAt(text, 11)).toBe(2);
  expect(lineAt(text, text.indexOf("nowhere") + 1)).toBe(3);
});
