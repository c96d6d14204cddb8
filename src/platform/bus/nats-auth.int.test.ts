/** NATS with authorization, as the appliance runs it: credentials travel in the server URL. */
import { describe, expect, test } from "bun:test";
import { quietLog } from "../../testing/db";
import { startNats } from "../../testing/servers";
import { connectJetStream, natsServer, pingNats } from "./jetstream";

const open = (url: string) => connectJetStream({ url, prefix: `auth-${crypto.randomUUID().slice(0, 8)}`, log: quietLog, name: "auth-test", storageBytes: 64 * 1024 ** 2 });

describe("natsServer", () => {
  test("takes user and password, or a lone token, out of the URL", () => {
    expect(natsServer("nats://127.0.0.1:4222")).toEqual({ servers: "nats://127.0.0.1:4222" });
    expect(natsServer("nats://pulse:s3cr%40t%2F@nats:4222")).toEqual({ servers: "nats://nats:4222", user: "pulse", pass: "s3cr@t/" });
    expect(natsServer("tls://t0ken@nats.example:4443")).toEqual({ servers: "tls://nats.example:4443", token: "t0ken" });
  });
});

describe("a NATS server that requires a login", () => {
  test("user and password in the URL get in; none, or a wrong one, are refused without echoing the password", async () => {
    await using nats = await startNats({ auth: { user: "pulse", pass: "pa@ss:word" } });
    const host = new URL(nats.url).host;
    const bus = await open(`nats://pulse:${encodeURIComponent("pa@ss:word")}@${host}`);
    await bus.close();
    await pingNats(`nats://pulse:${encodeURIComponent("pa@ss:word")}@${host}`);
    await expect(open(nats.url)).rejects.toThrow(`cannot reach NATS at ${host}: Authorization Violation`);
    const wrong = await open(`nats://pulse:not-it@${host}`).catch((err: Error) => err);
    expect(String(wrong)).toContain("Authorization Violation");
    expect(String(wrong)).not.toContain("not-it");
  });

  test("a token as the URL's user name", async () => {
    await using nats = await startNats({ auth: { token: "tok-123" } });
    const bus = await open(`nats://tok-123@${new URL(nats.url).host}`);
    await bus.close();
    await expect(open(nats.url)).rejects.toThrow("Authorization Violation");
  });
});
