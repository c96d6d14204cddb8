import { expect, test } from "bun:test";
import { createLogger, redactUrl } from "./log";

function capture(level: "debug" | "info" | "warn" | "error", format: "json" | "text" = "json") {
  const lines: string[] = [];
  return { lines, log: createLogger({ svc: "test", level, format, write: (l) => lines.push(l) }) };
}

test("json lines carry time, level, service, message and fields; below the level nothing is written", () => {
  const { lines, log } = capture("info");
  log.debug("hidden");
  log.with({ requestId: "r-1" }).info("device created", { deviceId: "d-1", n: 2n });
  expect(lines.length).toBe(1);
  const { time, ...rest } = JSON.parse(lines[0]!);
  expect(new Date(time).toString()).not.toBe("Invalid Date");
  expect(rest).toEqual({ level: "info", svc: "test", msg: "device created", requestId: "r-1", deviceId: "d-1", n: "2" });
});

test("secrets are redacted by field name and passwords are cut out of URLs", () => {
  const { lines, log } = capture("info");
  log.info("connecting", {
    password: "hunter2",
    provisionToken: "tok-123",
    authorization: "Bearer x",
    url: "postgres://pulse:hunter2@db:5432/pulse",
  });
  const line = lines[0]!;
  expect(line).not.toContain("hunter2");
  expect(line).not.toContain("tok-123");
  expect(JSON.parse(line)).toMatchObject({
    password: "[redacted]",
    provisionToken: "[redacted]",
    authorization: "[redacted]",
    url: "postgres://pulse:***@db:5432/pulse",
  });
  expect(redactUrl("nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222");
});

test("errors are logged with name, message, code, stack and cause", () => {
  const { lines, log } = capture("error");
  const err = Object.assign(new Error("boom", { cause: new Error("root") }), { code: "E1" });
  log.error("failed", { err });
  const out = JSON.parse(lines[0]!).err;
  expect(out).toMatchObject({ name: "Error", message: "boom", code: "E1", cause: { message: "root" } });
  expect(out.stack).toContain("log.test.ts");
});

test("text lines are readable on a terminal", () => {
  const { lines, log } = capture("info", "text");
  log.warn("migration slow", { name: "0005_devices", note: "two words" });
  expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  test migration slow name=0005_devices note="two words"$/);
});
