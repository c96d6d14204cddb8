import { describe, expect, test } from "bun:test";
import { envOf, flagOf, isolateTestEnvironment, loadConfig } from "./config";
import { PulseError } from "./errors";

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PulseError);
    expect((e as PulseError).code).toBe("USAGE");
    expect((e as PulseError).exitCode).toBe(2);
    return (e as PulseError).message;
  }
  throw new Error("expected a usage error");
};

describe("configuration", () => {
  test("flag and variable names derive from the setting key", () => {
    expect(flagOf("databaseUrl")).toBe("--database-url");
    expect(envOf("databaseUrl")).toBe("PULSE_DATABASE_URL");
    expect(envOf("dbConnectTimeout")).toBe("PULSE_DB_CONNECT_TIMEOUT");
  });

  test("a flag beats the environment, which beats the default", () => {
    const env = { PULSE_HTTP_PORT: "9000", PULSE_LOG_LEVEL: "warn" };
    expect(loadConfig(["httpPort", "logLevel", "httpHost"], { httpPort: "9100" }, env)).toEqual({
      httpPort: 9100,
      logLevel: "warn",
      httpHost: "0.0.0.0",
    });
    expect(loadConfig(["httpPort"], {}, env)).toEqual({ httpPort: 9000 });
    expect(loadConfig(["httpPort"], {}, {})).toEqual({ httpPort: 8080 });
    expect(loadConfig(["httpPort"], {}, { PULSE_HTTP_PORT: "" })).toEqual({ httpPort: 8080 });
  });

  test("a bad value names the flag and where the value came from, in one line", () => {
    expect(usage(() => loadConfig(["httpPort"], { httpPort: "99999" }, {}))).toBe(
      'invalid value "99999" for --http-port: expected a port from 0 to 65535',
    );
    expect(usage(() => loadConfig(["httpPort"], {}, { PULSE_HTTP_PORT: "http" }))).toBe(
      'invalid value "http" for --http-port (from PULSE_HTTP_PORT): expected a port number',
    );
    expect(usage(() => loadConfig(["logLevel"], { logLevel: "loud" }, {}))).toBe(
      'invalid value "loud" for --log-level: expected debug, info, warn or error',
    );
    expect(usage(() => loadConfig(["dbConnectTimeout"], { dbConnectTimeout: "-1" }, {}))).toBe(
      'invalid value "-1" for --db-connect-timeout: expected a positive number of seconds',
    );
  });

  test("a missing required setting names both the flag and the variable", () => {
    expect(usage(() => loadConfig(["databaseUrl"], {}, {}))).toBe(
      "missing --database-url (or set PULSE_DATABASE_URL): PostgreSQL connection URL",
    );
  });

  test("secret values never appear in error messages", () => {
    const msg = usage(() => loadConfig(["databaseUrl"], { databaseUrl: "mysql://root:hunter2@db/x" }, {}));
    expect(msg).not.toContain("hunter2");
    expect(msg).toBe("invalid value for --database-url: expected a URL like postgres://user:password@host:5432/pulse");
  });

  test("URLs are checked for their scheme", () => {
    expect(loadConfig(["databaseUrl"], { databaseUrl: "postgresql://u:p@db:5432/pulse" }, {}).databaseUrl).toBe(
      "postgresql://u:p@db:5432/pulse",
    );
    expect(usage(() => loadConfig(["natsUrl"], { natsUrl: "localhost:4222" }, {}))).toContain("--nats-url");
    expect(loadConfig(["mqttUrl"], { mqttUrl: "mqtts://broker:8883" }, {}).mqttUrl).toBe("mqtts://broker:8883");
  });

  test("test runs drop every PULSE_* variable except PULSE_TEST_*", () => {
    const env: Record<string, string | undefined> = { PULSE_DATABASE_URL: "x", PULSE_TEST_DATABASE_URL: "y", HOME: "/root" };
    isolateTestEnvironment(env);
    expect(env).toEqual({ PULSE_TEST_DATABASE_URL: "y", HOME: "/root", TZ: "UTC" });
  });
});
