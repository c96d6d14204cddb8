// Each fixture against a real client operation: data written before stop()/kill() is read back
// after start(), and dispose() leaves no directory. NATS and MQTT are spoken over raw TCP
// because no client package for them is installed.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import postgres from "postgres";
import { testSettings } from "../platform/config";
import { freePort, startMosquitto, startNats, startPostgres } from "./servers";

setDefaultTimeout(60_000);

const SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
function describeIfInstalled(name: string, installed: boolean, body: () => void) {
  // A laptop without the package skips loudly; under CI=true the fixture's own error fails the test.
  if (!installed && !testSettings().ci) console.warn(`\n!!! SKIPPING ${name} fixture tests: not installed\n`);
  describe.skipIf(!installed && !testSettings().ci)(name, body);
}

/** Takes the port while a server is stopped, so that its next start() fails; returns the release. */
const occupy = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(() => new Promise((r) => srv.close(() => r()))));
  });

type Frame<T> = { value: T; size: number } | null;

/** A raw TCP connection that parses whole frames out of what has arrived so far. */
class Wire {
  private buf = Buffer.alloc(0);
  private wake = () => {};
  private ended = false;
  private constructor(private readonly sock: Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on("error", () => undefined); // surfaces as "connection closed" in next()
    sock.on("close", () => {
      this.ended = true;
      this.wake();
    });
  }
  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: "127.0.0.1", port }, () => resolve(new Wire(sock)));
      sock.once("error", reject);
    });
  }
  send(data: string | Uint8Array) {
    this.sock.write(data);
  }
  async next<T>(take: (buf: Buffer) => Frame<T>, ms = 5_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = take(this.buf);
      if (got) {
        this.buf = this.buf.subarray(got.size);
        return got.value;
      }
      if (this.ended) throw new Error(`connection closed (${this.buf.length} bytes unparsed)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete frame within ${ms} ms (${this.buf.length} bytes unparsed)`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.wake = () => (clearTimeout(timer), r());
      });
    }
  }
  close = () => void this.sock.destroy();
}

const connectOutcome = (port: number) =>
  new Promise<string>((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

// ---- NATS: INFO/CONNECT/PING, and JetStream's JSON API through request/reply.
type NatsFrame = { op: string; line: string; sid?: string; payload?: Buffer };
function natsFrame(buf: Buffer): Frame<NatsFrame> {
  const eol = buf.indexOf("\r\n");
  if (eol < 0) return null;
  const line = buf.subarray(0, eol).toString();
  const [op = "", ...args] = line.split(/ +/); // 2.9 writes "MSG subj sid  size" with an empty reply field
  if (op !== "MSG") return { value: { op, line }, size: eol + 2 };
  const bytes = Number(args.at(-1));
  if (buf.length < eol + 2 + bytes + 2) return null;
  return { value: { op, line, sid: args[1], payload: buf.subarray(eol + 2, eol + 2 + bytes) }, size: eol + 4 + bytes };
}

async function natsClient(port: number) {
  const wire = await Wire.open(port);
  const info = await wire.next(natsFrame);
  expect(info.line).toStartWith("INFO {");
  let sid = 0;
  const until = async (match: (f: NatsFrame) => boolean) => {
    for (;;) {
      const f = await wire.next(natsFrame);
      if (f.op === "-ERR") throw new Error(f.line);
      if (f.op === "PING") wire.send("PONG\r\n");
      else if (match(f)) return f;
    }
  };
  wire.send('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n');
  await until((f) => f.op === "PONG");
  const request = async (subject: string, body: string) => {
    const id = String(++sid);
    wire.send(`SUB _INBOX.${id} ${id}\r\nPUB ${subject} _INBOX.${id} ${Buffer.byteLength(body)}\r\n${body}\r\n`);
    const reply = await until((f) => f.op === "MSG" && f.sid === id);
    return JSON.parse(String(reply.payload));
  };
  return { info: JSON.parse(info.line.slice(5)), request, close: () => wire.close() };
}

describeIfInstalled("startNats", Bun.which("nats-server", { PATH: SBIN }) !== null, () => {
  test("a JetStream message survives stop/start and kill/start; dispose removes the store", async () => {
    await using nats = await startNats();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    let c = await natsClient(nats.port);
    expect(c.info.jetstream).toBe(true);
    const created = await c.request("$JS.API.STREAM.CREATE.T", JSON.stringify({ name: "T", subjects: ["t.>"], storage: "file" }));
    expect(created.error).toBeUndefined();
    expect(await c.request("t.a", "hello")).toEqual({ stream: "T", seq: 1 });
    c.close();

    await nats.stop();
    expect(await connectOutcome(nats.port)).toBe("ECONNREFUSED");
    await nats.start();
    await nats.kill();
    expect(await connectOutcome(nats.port)).toBe("ECONNREFUSED");
    await nats.start();

    c = await natsClient(nats.port);
    const got = await c.request("$JS.API.STREAM.MSG.GET.T", JSON.stringify({ seq: 1 }));
    expect(Buffer.from(got.message.data, "base64").toString()).toBe("hello");
    c.close();
    await nats.dispose();
    expect(existsSync(nats.dir)).toBe(false);
  });

  test("start() fails fast, with the log, when the port is taken; a later start() works", async () => {
    await using nats = await startNats();
    await nats.stop();
    const release = await occupy(nats.port);
    const t0 = Date.now();
    await expect(nats.start()).rejects.toThrow(/nats-server exited[^]*last lines of .*server\.log[^]*address already in use/);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await release();
    await nats.start();
    expect(await connectOutcome(nats.port)).toBe("connected");
  });

  test("maxStoreBytes caps the file store", async () => {
    await using nats = await startNats({ maxStoreBytes: 1024 * 1024 });
    const c = await natsClient(nats.port);
    const tooBig = { name: "BIG", subjects: ["big.>"], storage: "file", max_bytes: 2 * 1024 * 1024 };
    const r = await c.request("$JS.API.STREAM.CREATE.BIG", JSON.stringify(tooBig));
    expect(r.error?.description).toMatch(/insufficient storage/i);
    c.close();
  });
});

describeIfInstalled("startPostgres", existsSync("/usr/lib/postgresql"), () => {
  const client = (url: string) => postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  async function withSql<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const sql = client(url);
    try {
      return await fn(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  test("a row survives stop/start; dispose removes the cluster", async () => {
    await using pg = await startPostgres();
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    await withSql(pg.url, async (sql) => {
      await sql`create table t (id int primary key, v text not null)`;
      await sql`insert into t values (1, 'before stop')`;
    });
    await pg.stop();
    expect(await connectOutcome(pg.port)).toBe("ECONNREFUSED");
    const release = await occupy(pg.port);
    await expect(pg.start()).rejects.toThrow(/pg_ctl start failed[^]*last lines of .*server\.log[^]*could not bind/);
    await release();
    await pg.start();
    expect(await withSql(pg.url, async (sql) => [...(await sql`select id, v from t`)])).toEqual([{ id: 1, v: "before stop" }]);
    await pg.dispose();
    expect(existsSync(pg.dir)).toBe(false);
  });

  test("kill() crashes it under an open connection; start() recovers every committed row", async () => {
    await using pg = await startPostgres();
    const sql = client(pg.url);
    try {
      await sql`create table t (id int primary key)`;
      await sql`insert into t select generate_series(1, 1000)`;
      await pg.kill();
      expect(await connectOutcome(pg.port)).toBe("ECONNREFUSED");
      await expect(sql`select 1`).rejects.toThrow();
    } finally {
      await sql.end({ timeout: 0 });
    }
    await pg.start();
    expect(await withSql(pg.url, async (s) => [...(await s`select count(*)::int as n from t`)])).toEqual([{ n: 1000 }]);
    expect(await Bun.file(pg.logFile).text()).toContain("database system was interrupted");
  });
});

// ---- MQTT 3.1.1 packets: type << 4 | flags, remaining length (varint), body.
const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const str = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);
function packet(type: number, flags: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len: number[] = [];
  for (let n = body.length; ; ) {
    const byte = n % 128;
    n = Math.floor(n / 128);
    len.push(n > 0 ? byte | 128 : byte);
    if (n === 0) break;
  }
  return Buffer.concat([Buffer.from([(type << 4) | flags, ...len]), body]);
}
type MqttPacket = { type: number; flags: number; body: Buffer };
function mqttFrame(buf: Buffer): Frame<MqttPacket> {
  let len = 0;
  for (let i = 1, shift = 0; i < buf.length && i <= 4; i++, shift += 7) {
    len += (buf[i]! & 127) * 2 ** shift;
    if (buf[i]! < 128) {
      if (buf.length < i + 1 + len) return null;
      return { value: { type: buf[0]! >> 4, flags: buf[0]! & 15, body: buf.subarray(i + 1, i + 1 + len) }, size: i + 1 + len };
    }
  }
  return null;
}
const hex = (p: MqttPacket) => packet(p.type, p.flags, p.body).toString("hex");

async function mqttSession(port: number, clientId: string, cleanSession: boolean) {
  const wire = await Wire.open(port);
  wire.send(packet(1, 0, str("MQTT"), Buffer.from([4, cleanSession ? 2 : 0, 0, 60]), str(clientId)));
  const connack = await wire.next(mqttFrame);
  return { wire, connack: hex(connack) };
}

describeIfInstalled("startMosquitto", Bun.which("mosquitto", { PATH: SBIN }) !== null, () => {
  test("QoS 1 messages queued for a persistent session survive stop/start; dispose removes the store", async () => {
    await using mq = await startMosquitto();
    expect(mq.url).toBe(`mqtt://127.0.0.1:${mq.port}`);
    const anonymous = await Wire.open(mq.port);
    anonymous.send(Buffer.from("100c00044d5154540402003c0000", "hex")); // empty client id, clean session
    expect(hex(await anonymous.next(mqttFrame))).toBe("20020000");
    anonymous.close();

    const bridge = await mqttSession(mq.port, "pulse-bridge", false);
    bridge.wire.send(packet(8, 2, u16(1), str("pulse/#"), Buffer.from([1])));
    expect(hex(await bridge.wire.next(mqttFrame))).toBe("9003000101");
    bridge.wire.send(packet(14, 0));
    bridge.wire.close();

    const device = await mqttSession(mq.port, "pulse-device", true);
    for (const id of [1, 2, 3]) {
      device.wire.send(packet(3, 2, str("pulse/t"), u16(id), Buffer.from(`m${id}`)));
      expect(hex(await device.wire.next(mqttFrame))).toBe(`4002000${id}`);
    }
    device.wire.close();

    await mq.stop();
    expect(await connectOutcome(mq.port)).toBe("ECONNREFUSED");
    await mq.start();

    const back = await mqttSession(mq.port, "pulse-bridge", false);
    expect(back.connack).toBe("20020100"); // session present
    const payloads: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await back.wire.next(mqttFrame);
      expect([p.type, p.flags & 6]).toEqual([3, 2]); // PUBLISH, QoS 1
      const topicEnd = 2 + p.body.readUInt16BE(0);
      expect(p.body.subarray(2, topicEnd).toString()).toBe("pulse/t");
      back.wire.send(packet(4, 0, p.body.subarray(topicEnd, topicEnd + 2)));
      payloads.push(p.body.subarray(topicEnd + 2).toString());
    }
    expect(payloads).toEqual(["m1", "m2", "m3"]);
    back.wire.close();
    await mq.dispose();
    expect(existsSync(mq.dir)).toBe(false);
  });
});

test("freePort never hands out a shared service port or the same port twice", async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  expect(new Set(ports).size).toBe(20);
  for (const p of ports) expect([1883, 4222, 5432]).not.toContain(p);
});
