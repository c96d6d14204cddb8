import { expect, test } from "bun:test";
import { TimerWheel } from "./timers";

const T0 = 1_800_000_000_000;

test("a key is filed once however often its deadline moves later, and handed out once", () => {
  const w = new TimerWheel(T0);
  for (let i = 0; i < 3600; i++) w.schedule("d:dev-1", T0 + 90_000 + i * 1000);
  expect(w.size).toBe(1);
  expect([...w.due(T0 + 89_000)]).toEqual([]);
  expect([...w.due(T0 + 90_000)]).toEqual(["d:dev-1"]);
  expect([...w.due(T0 + 10_000_000)]).toEqual([]);
  expect(w.size).toBe(0);
});

test("an earlier deadline supersedes a later one; the later entry is skipped", () => {
  const w = new TimerWheel(T0);
  w.schedule("r:a", T0 + 60_000);
  w.schedule("r:a", T0 + 5_000);
  w.schedule("r:b", T0 + 5_500);
  expect([...w.due(T0 + 6_000)]).toEqual(["r:a", "r:b"]);
  expect([...w.due(T0 + 120_000)]).toEqual([]);
});

test("a deadline already past is due on the next second", () => {
  const w = new TimerWheel(T0);
  w.schedule("k", T0 - 50_000);
  expect([...w.due(T0 + 1_000)]).toEqual(["k"]);
});
