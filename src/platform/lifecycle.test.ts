import { expect, test } from "bun:test";
import { createLifecycle } from "./lifecycle";
import { createLogger } from "./log";

const log = createLogger({ svc: "test", level: "error", format: "json", write: () => {} });

test("the first signal aborts work, the second forces exit 130; cleanups run last-in-first-out", async () => {
  const exits: number[] = [];
  const order: string[] = [];
  const lc = createLifecycle(log, ((code: number) => {
    exits.push(code);
  }) as (code: number) => never);
  lc.defer(() => void order.push("close database"));
  lc.defer(async () => void order.push("drain bus"));
  lc.defer(() => {
    throw new Error("cleanup failures are logged, not fatal");
  });
  process.kill(process.pid, "SIGTERM");
  await Bun.sleep(20);
  expect(lc.signal.aborted).toBe(true);
  expect(exits).toEqual([]);
  process.kill(process.pid, "SIGINT");
  await Bun.sleep(20);
  expect(exits).toEqual([130]);
  await lc[Symbol.asyncDispose]();
  expect(order).toEqual(["drain bus", "close database"]);
  expect(process.listenerCount("SIGTERM")).toBe(0);
});
