/**
 * The embedded broker with real mqtt.js clients (MQTT 3.1.1) over TCP and WebSocket on loopback
 * ports: authentication, topic authorisation, PUBACK only after onPublish, retries, shutdown.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createServer, connect as tcpConnect, type Server } from "node:net";
import mqtt, { type IClientOptions, type MqttClient, type Packet } from "mqtt";
import mqttPacket from "mqtt-packet";
import { PulseError } from "../platform/errors";
import { createLogger } from "../platform/log";
import { freePort } from "../testing/servers";
import { type BrokerOptions, startBroker } from "./broker";

setDefaultTimeout(30_000);

interface Call {
  topic: string;
  payload: string;
  qos: number;
}

const DEVICES: Record<string, string> = { "t1/d1": "secret", "t1/d2": "secret" };
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A broker on loopback; devices "t1/dN" with password "secret" may use topics under "t1/dN/". */
async function broker(overrides: Partial<BrokerOptions> = {}) {
  const calls: Call[] = [];
  const lines: string[] = [];
  const b = await startBroker({
    host: "127.0.0.1",
    tcpPort: 0,
    wsPort: null,
    tcpFlag: "--mqtt-port",
    wsFlag: "--mqtt-ws-port",
    log: createLogger({ svc: "test", level: "debug", format: "json", write: (l) => lines.push(l) }),
    authenticate: async ({ username, password }) => username !== undefined && DEVICES[username] === password?.toString(),
    authorize: ({ username, topic }) => username !== undefined && topic.startsWith(`${username}/`),
    onPublish: async (topic, payload, qos) => void calls.push({ topic, payload: payload.toString(), qos }),
    ...overrides,
  });
  cleanup.push(() => b.close());
  return { b, calls, lines, url: `mqtt://127.0.0.1:${b.tcpPort}` };
}

async function device(url: string, username = "t1/d1", extra: IClientOptions = {}) {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, username, password: "secret", clientId: `${username}-${crypto.randomUUID()}`, reconnectPeriod: 0, ...extra });
  cleanup.push(() => c.endAsync(true));
  const pubacks: number[] = [];
  c.on("packetreceive", (p: Packet) => {
    if (p.cmd === "puback") pubacks.push(p.messageId ?? -1);
  });
  const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
  return { c, pubacks, closed };
}

const listenable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

describe("embedded MQTT broker", () => {
  test("a device publishes QoS 1 over TCP: onPublish sees exactly its message, and the PUBACK follows", async () => {
    const { b, calls, url } = await broker();
    expect(b.tcpPort).toBeGreaterThan(0);
    expect(b.wsPort).toBeNull();
    const { c, pubacks } = await device(url);
    expect(b.clients()).toBe(1);
    await c.publishAsync("t1/d1/telemetry", '{"t":21.5}', { qos: 1 });
    // only the client's message: aedes's own $SYS notices (new client, ...) never reach onPublish
    expect(calls).toEqual([{ topic: "t1/d1/telemetry", payload: '{"t":21.5}', qos: 1 }]);
    expect(pubacks).toHaveLength(1);
  });

  test("a device publishes QoS 1 over WebSocket on /mqtt and on /; other paths are refused", async () => {
    const wsPort = await freePort();
    const { b, calls } = await broker({ wsPort });
    expect(b.wsPort).toBe(wsPort);
    const onMqtt = await device(`ws://127.0.0.1:${wsPort}/mqtt`);
    await onMqtt.c.publishAsync("t1/d1/telemetry", "over /mqtt", { qos: 1 });
    const onRoot = await device(`ws://127.0.0.1:${wsPort}/`, "t1/d2");
    await onRoot.c.publishAsync("t1/d2/telemetry", "over /", { qos: 1 });
    expect(calls).toEqual([
      { topic: "t1/d1/telemetry", payload: "over /mqtt", qos: 1 },
      { topic: "t1/d2/telemetry", payload: "over /", qos: 1 },
    ]);
    const wrongPath = mqtt.connectAsync(`ws://127.0.0.1:${wsPort}/other`, { protocolVersion: 4, username: "t1/d1", password: "secret", reconnectPeriod: 0 });
    await expect(wrongPath).rejects.toThrow();
  });

  test("a wrong password is refused at CONNECT and logged with the username only", async () => {
    const { b, lines, url } = await broker();
    const err = await mqtt
      .connectAsync(url, { protocolVersion: 4, username: "t1/d1", password: "hunter2-wrong", reconnectPeriod: 0 })
      .then(() => null, (e: Error & { code?: number }) => e);
    expect(err?.code).toBe(4);
    expect(err?.message).toContain("Bad username or password");
    expect(b.clients()).toBe(0);
    const refused = lines.map((l) => JSON.parse(l)).find((l) => l.msg.includes("connect refused"));
    expect(refused).toMatchObject({ level: "info", username: "t1/d1" });
    expect(lines.join("\n")).not.toContain("hunter2-wrong");
  });

  test("authenticate failing answers CONNACK 3 (server unavailable), so the device retries later", async () => {
    const { url } = await broker({ authenticate: () => Promise.reject(new Error("database down")) });
    const err = await mqtt.connectAsync(url, { protocolVersion: 4, username: "t1/d1", password: "secret", reconnectPeriod: 0 }).then(() => null, (e: Error & { code?: number }) => e);
    expect(err?.code).toBe(3);
  });

  test("a publish outside the device's topics is not passed to onPublish and gets no PUBACK: aedes disconnects the device", async () => {
    const { calls, lines, url } = await broker();
    const { c, pubacks, closed } = await device(url);
    c.publish("t1/d2/telemetry", "spoofed", { qos: 1 });
    await closed;
    expect(calls).toEqual([]);
    expect(pubacks).toEqual([]);
    expect(lines.some((l) => l.includes("mqtt publish denied") && l.includes("t1/d2/telemetry"))).toBe(true);
    const again = await device(url);
    await again.c.publishAsync("$SYS/fake", "x", { qos: 0 }).catch(() => undefined);
    await again.closed; // $-topics are the server's, whatever authorize says
    expect(calls).toEqual([]);
  });

  test("a subscription outside the device's topics is granted 128 (failure); its own is granted", async () => {
    const { url } = await broker();
    const { c } = await device(url);
    const suback = deferred<Packet>();
    c.on("packetreceive", (p: Packet) => p.cmd === "suback" && suback.resolve(p));
    // mqtt.js rejects the whole call when any filter failed; the SUBACK itself tells each one
    await expect(c.subscribeAsync({ "t1/d1/commands": { qos: 1 }, "t1/d2/commands": { qos: 1 }, "#": { qos: 0 } })).rejects.toThrow("Subscribe error");
    expect(await suback.promise).toMatchObject({ cmd: "suback", granted: [1, 128, 128] });
    expect(await c.subscribeAsync("t1/d1/#", { qos: 1 })).toEqual([{ topic: "t1/d1/#", qos: 1 }]);
  });

  test("the PUBACK is sent only after onPublish resolves", async () => {
    const entered = deferred();
    const release = deferred();
    const { calls, url } = await broker({
      onPublish: async (topic, payload, qos) => {
        if (topic === "t1/d1/slow") {
          entered.resolve();
          await release.promise;
        }
        calls.push({ topic, payload: payload.toString(), qos });
      },
    });
    const slow = await device(url);
    const other = await device(url, "t1/d2");
    let acked = false;
    const publishing = slow.c.publishAsync("t1/d1/slow", "x", { qos: 1 }).then(() => (acked = true));
    await entered.promise;
    await other.c.publishAsync("t1/d2/fast", "y", { qos: 1 }); // the broker answers others meanwhile
    expect(acked).toBe(false);
    expect(slow.pubacks).toEqual([]);
    release.resolve();
    await publishing;
    expect(acked).toBe(true);
    expect(calls.map((c) => c.topic)).toEqual(["t1/d2/fast", "t1/d1/slow"]);
  });

  test("onPublish failing twice then succeeding: retried, delivered once, acknowledged once", async () => {
    let attempts = 0;
    const { calls, lines, url } = await broker({
      onPublish: async (topic, payload, qos) => {
        attempts++;
        if (attempts <= 2) throw new Error(`store down (attempt ${attempts})`);
        calls.push({ topic, payload: payload.toString(), qos });
      },
    });
    const { c, pubacks } = await device(url);
    await c.publishAsync("t1/d1/telemetry", "once", { qos: 1 });
    expect(attempts).toBe(3);
    expect(calls).toEqual([{ topic: "t1/d1/telemetry", payload: "once", qos: 1 }]);
    expect(pubacks).toHaveLength(1);
    expect(lines.some((l) => l.includes("storing an mqtt message failed, retrying"))).toBe(true);
  });

  test("a port in use fails with the flag that chose it, and leaves no listener open", async () => {
    const busy = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(busy, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));

    const tcpTaken = await broker({ tcpPort: busy }).then(() => null, (e: unknown) => e);
    expect(tcpTaken).toBeInstanceOf(PulseError);
    expect((tcpTaken as PulseError).message).toBe(`port ${busy} is already in use (--mqtt-port)`);

    const tcpPort = await freePort();
    const wsTaken = await broker({ tcpPort, wsPort: busy }).then(() => null, (e: unknown) => e);
    expect((wsTaken as PulseError).message).toBe(`port ${busy} is already in use (--mqtt-ws-port)`);
    expect(await listenable(tcpPort)).toBe(true); // the TCP listener opened first was closed again
  });

  test("close() while onPublish waits: the device never gets a PUBACK, and close() is idempotent", async () => {
    const entered = deferred();
    const { b, url } = await broker({
      wsPort: 0,
      onPublish: () => {
        entered.resolve();
        return new Promise<void>(() => {}); // the store never answers
      },
    });
    const { c, pubacks, closed } = await device(url);
    c.publish("t1/d1/telemetry", "pending", { qos: 1 });
    await entered.promise;
    await Promise.all([b.close(), b.close()]);
    await b.close();
    await closed;
    expect(pubacks).toEqual([]);
    expect(b.clients()).toBe(0);
    expect(await listenable(b.tcpPort)).toBe(true);
    expect(await listenable(b.wsPort ?? 0)).toBe(true);
  });

  test("a last will is authorised and stored when a device drops, but not when the broker closes", async () => {
    const willStored = deferred();
    const { b, calls, url } = await broker({
      onPublish: async (topic, payload, qos) => {
        calls.push({ topic, payload: payload.toString(), qos });
        if (topic.endsWith("/status")) willStored.resolve();
      },
    });
    const dropped = await device(url, "t1/d1", { will: { topic: "t1/d1/status", payload: Buffer.from("offline"), qos: 1, retain: false } });
    dropped.c.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await willStored.promise;
    expect(calls).toEqual([{ topic: "t1/d1/status", payload: "offline", qos: 1 }]);

    await device(url, "t1/d2", { will: { topic: "t1/d2/status", payload: Buffer.from("offline"), qos: 1, retain: false } });
    await b.close();
    expect(calls.map((c) => c.topic)).toEqual(["t1/d1/status"]);
  });

  test("a retained message is stored through onPublish but the broker keeps no retained copy", async () => {
    const { calls, url } = await broker();
    const publisher = await device(url);
    await publisher.c.publishAsync("t1/d1/state", "retained", { qos: 1, retain: true });
    expect(calls).toEqual([{ topic: "t1/d1/state", payload: "retained", qos: 1 }]);

    const subscriber = await device(url);
    const first = new Promise<string>((resolve) => subscriber.c.once("message", (_t, payload) => resolve(payload.toString())));
    await subscriber.c.subscribeAsync("t1/d1/state", { qos: 1 });
    await publisher.c.publishAsync("t1/d1/state", "live", { qos: 1 });
    expect(await first).toBe("live"); // a kept retained message would have arrived first
  });

  test("a QoS 2 message resent before PUBREL reaches onPublish once; each copy gets its PUBREC", async () => {
    const { calls, b } = await broker();
    const socket = tcpConnect(b.tcpPort, "127.0.0.1");
    cleanup.push(async () => void socket.destroy());
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const received: mqttPacket.Packet[] = [];
    const waiters: Array<() => void> = [];
    parser.on("packet", (p: mqttPacket.Packet) => {
      received.push(p);
      waiters.splice(0).forEach((w) => w());
    });
    socket.on("data", (chunk: Buffer) => parser.parse(chunk));
    const until = async (n: number) => {
      while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const send = (p: mqttPacket.Packet) => socket.write(mqttPacket.generate(p));
    send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: "raw-qos2", keepalive: 30, username: "t1/d1", password: Buffer.from("secret") });
    await until(1);
    expect(received[0]).toMatchObject({ cmd: "connack", returnCode: 0 });
    const publish = { cmd: "publish", topic: "t1/d1/telemetry", payload: Buffer.from("exactly once"), qos: 2, messageId: 7, retain: false, dup: false } as const;
    send(publish);
    await until(2);
    send({ ...publish, dup: true });
    await until(3);
    expect(received.slice(1).map((p) => [p.cmd, (p as { messageId?: number }).messageId])).toEqual([["pubrec", 7], ["pubrec", 7]]);
    send({ cmd: "pubrel", messageId: 7 });
    await until(4);
    expect(received[3]).toMatchObject({ cmd: "pubcomp", messageId: 7 });
    expect(calls).toEqual([{ topic: "t1/d1/telemetry", payload: "exactly once", qos: 2 }]);
  });

  test("2,000 QoS 1 messages pipelined from one client each reach onPublish exactly once", async () => {
    const seen = new Map<string, number>();
    const { url } = await broker({ onPublish: async (_topic, payload) => void seen.set(payload.toString(), (seen.get(payload.toString()) ?? 0) + 1) });
    const { c, pubacks } = await device(url);
    await Promise.all(Array.from({ length: 2_000 }, (_, i) => c.publishAsync("t1/d1/telemetry", `m${i}`, { qos: 1 })));
    expect(seen.size).toBe(2_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(pubacks).toHaveLength(2_000);
  });
});
