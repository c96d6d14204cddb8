import { expect, test } from "bun:test";
import { admit, TokenBuckets } from "./rate-limit";

test("a bucket starts full, refuses when empty and refills at its rate up to its burst", () => {
  let now = 0;
  const b = new TokenBuckets(10, 5, () => now);
  expect(Array.from({ length: 6 }, () => b.take("d"))).toEqual([true, true, true, true, true, false]);
  expect(b.retryAfter("d")).toBe(1);
  now += 100; // 1 token
  expect([b.take("d"), b.take("d")]).toEqual([true, false]);
  now += 60_000;
  expect(Array.from({ length: 6 }, () => b.take("d")).filter(Boolean).length).toBe(5);
  expect(b.take("other")).toBe(true);
});

test("idle buckets are swept; a zero rate is unlimited", () => {
  let now = 0;
  const b = new TokenBuckets(10, 5, () => now);
  b.take("a");
  b.take("b");
  now += 1_000;
  expect(b.sweep()).toBe(2);
  expect(b.size).toBe(0);
  const free = new TokenBuckets(0, 0);
  expect(Array.from({ length: 1000 }, () => free.take("x")).every(Boolean)).toBe(true);
});

test("a message is charged to its device and its tenant", () => {
  const limits = { device: new TokenBuckets(1, 2, () => 0), tenant: new TokenBuckets(1, 3, () => 0) };
  expect([admit(limits, "t", "d1"), admit(limits, "t", "d1"), admit(limits, "t", "d1")]).toEqual(["ok", "ok", "device"]);
  expect([admit(limits, "t", "d2"), admit(limits, "t", "d2")]).toEqual(["ok", "tenant"]);
});
