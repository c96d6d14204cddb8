import { expect, test } from "bun:test";
import { EXIT_CODES, PulseError, asPulseError, type ErrorCode } from "./errors";

test("the code decides status, retryability and exit code", () => {
  const cases: Array<[ErrorCode, number, boolean, number]> = [
    ["USAGE", 400, false, 2],
    ["NOT_FOUND", 404, false, 1],
    ["CONFLICT", 409, false, 1],
    ["RATE_LIMITED", 429, true, 1],
    ["UNAVAILABLE", 503, true, 3],
    ["MIGRATION_FAILED", 500, false, 4],
    ["MIGRATION_CONFLICT", 500, false, 5],
    ["NOT_BUILT", 501, false, 7],
  ];
  for (const [code, status, retryable, exit] of cases) {
    const e = new PulseError(code, "x");
    expect([e.status, e.retryable, e.exitCode]).toEqual([status, retryable, exit]);
  }
  const documented = new Set(EXIT_CODES.map((e) => e.code));
  for (const [code] of cases) expect(documented.has(new PulseError(code, "x").exitCode)).toBe(true);
});

test("unknown failures become a generic INTERNAL error that keeps the original as cause", () => {
  const original = new TypeError("secret detail");
  const e = asPulseError(original);
  expect(e.code).toBe("INTERNAL");
  expect(e.message).toBe("internal error");
  expect(e.cause).toBe(original);
  const known = new PulseError("CONFLICT", "taken");
  expect(asPulseError(known)).toBe(known);
});
