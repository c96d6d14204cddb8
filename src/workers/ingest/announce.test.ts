import { expect, test } from "bun:test";
import type { EvaluateJob } from "../../platform/subjects";
import type { Item } from "../../telemetry/service";
import { evaluateJobs } from "./announce";

const row = (i: number, note = "x".repeat(50)) =>
  ({ kind: "row", row: { tenant: "acme", device: `gw-${i % 7}`, time: new Date(1_700_000_000_000 + i), msgType: "telemetry", metrics: { v: i, note }, msgId: `m-${i}` } }) as unknown as Extract<Item, { kind: "row" }>;

test("a tenant's rows become EVALUATE messages under the size limit, every row once and in order", () => {
  const rows = Array.from({ length: 5_000 }, (_, i) => row(i, i === 10 ? "ü€".repeat(40) : undefined));
  const jobs = evaluateJobs("acme", rows, 16 * 1024);
  expect(jobs.length).toBeGreaterThan(20);
  const parsed = jobs.map((j) => JSON.parse(j.body) as EvaluateJob);
  for (const [k, job] of parsed.entries()) {
    expect({ v: job.v, tenant: job.tenant }).toEqual({ v: 1, tenant: "acme" });
    expect(jobs[k]!.body.length).toBeLessThan(16 * 1024 + 100);
  }
  expect(parsed.flatMap((j) => j.rows)).toEqual(rows.map((it) => [it.row.device, it.row.time.getTime(), "telemetry", it.row.metrics]));
  // One id per part, the same again when the same batch is redelivered.
  expect(new Set(jobs.map((j) => j.msgId)).size).toBe(jobs.length);
  expect(evaluateJobs("acme", rows, 16 * 1024).map((j) => j.msgId)).toEqual(jobs.map((j) => j.msgId));
});

test("a batch that fits is one message; no rows, no message", () => {
  const jobs = evaluateJobs("acme", [row(1), row(2)]);
  expect(jobs.length).toBe(1);
  expect(JSON.parse(jobs[0]!.body).rows.length).toBe(2);
  expect(evaluateJobs("acme", [])).toEqual([]);
});
