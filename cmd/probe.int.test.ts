import { describe, expect, test } from "bun:test";
import { runPulse } from "../src/testing/cli";
import { freePort } from "../src/testing/servers";
import { probeUrl } from "./probe";

describe("pulse probe", () => {
  test("targets: a port, host:port or URL; anything else is refused naming it", () => {
    expect(probeUrl("9464", "/ready")).toBe("http://127.0.0.1:9464/ready");
    expect(probeUrl("serve:8080", "/health")).toBe("http://serve:8080/health");
    expect(probeUrl("http://10.0.0.5:8080/ready", "/ignored")).toBe("http://10.0.0.5:8080/ready");
    for (const bad of ["", "0", "70000", "x:y", "ftp://h/"]) expect(() => probeUrl(bad, "/ready")).toThrow(/invalid probe target/);
    expect(() => probeUrl("9464", "ready")).toThrow(/--path/);
  });

  test("exit 0 on 2xx, 3 when not ready or unreachable, 2 for a bad target; one line on stderr", async () => {
    let ready = true;
    const seen: string[] = [];
    await using server = Bun.serve({
      hostname: "127.0.0.1",
      port: await freePort(),
      fetch: (req) => {
        seen.push(new URL(req.url).pathname);
        return new Response(ready ? "ok" : "starting", { status: ready ? 200 : 503 });
      },
    });
    const ok = await runPulse(["probe", String(server.port)]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    const health = await runPulse(["probe", `127.0.0.1:${server.port}`, "--path", "/health"]);
    expect(health.code).toBe(0);
    expect(seen).toEqual(["/ready", "/health"]);

    ready = false;
    const notReady = await runPulse(["probe", String(server.port)]);
    expect(notReady.code).toBe(3);
    expect(notReady.stderr).toBe(`pulse: http://127.0.0.1:${server.port}/ready answered 503\n`);

    const closed = await freePort();
    const down = await runPulse(["probe", String(closed)]);
    expect(down.code).toBe(3);
    expect(down.stderr).toStartWith(`pulse: http://127.0.0.1:${closed}/ready is unreachable: `);

    const bad = await runPulse(["probe", "nine"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('pulse: invalid probe target "nine": expected a port, host:port or http(s) URL\n');
  });
});
