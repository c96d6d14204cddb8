/**
 * A pipelined MQTT 3.1.1 subscriber for the bridge. mqtt.js hands over one message at a time
 * and acknowledges it before reading the next, so its throughput is one bus round trip per
 * message. Here every message the broker sends within its in-flight window is handled at once
 * and PUBACKs go out in arrival order (MQTT 3.1.1 §4.6) as each message is safely on the bus.
 *
 * One persistent session (clean session off, QoS 1), kept alive with PINGREQ and reconnected
 * with backoff. A message whose handler has not finished is never acknowledged, so a crash or
 * disconnect leaves it with the broker for redelivery. The wire format is mqtt-packet's.
 */
import { connect as tcp, type Socket } from "node:net";
import { connect as tls } from "node:tls";
import mqttPacket, { type IPublishPacket, type Packet } from "mqtt-packet";
import type { Logger } from "../../platform/log";

export interface SessionOptions {
  url: string;
  clientId: string;
  filters: readonly string[];
  log: Logger;
  keepaliveSeconds?: number;
  /** Resolves once the message is safely handed on; only then is it acknowledged. */
  onMessage(topic: string, payload: Buffer): Promise<void>;
}

interface Pending {
  messageId: number;
  done: boolean;
  settled: Promise<unknown>;
}

export class MqttSession {
  private socket: Socket | null = null;
  private stopped = false;
  private attempt = 0;
  private pending: Pending[] = [];
  private lastHeard = Date.now();
  private timer: ReturnType<typeof setInterval> | null = null;
  connected = false;

  constructor(private readonly o: SessionOptions) {}

  start(): void {
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const url = new URL(this.o.url);
    const port = Number(url.port || (url.protocol === "mqtts:" ? 8883 : 1883));
    const socket = url.protocol === "mqtts:" ? tls({ host: url.hostname, port, servername: url.hostname }) : tcp({ host: url.hostname, port });
    this.socket = socket;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on("packet", (p: Packet) => this.receive(socket, p));
    parser.on("error", (err: Error) => {
      this.o.log.warn("mqtt protocol error", { clientId: this.o.clientId, err: err.message });
      socket.destroy();
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.lastHeard = Date.now();
      parser.parse(chunk);
    });
    socket.on("connect", () => {
      this.send(socket, {
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clientId: this.o.clientId,
        clean: false,
        keepalive: this.keepalive,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: Buffer.from(decodeURIComponent(url.password)) } : {}),
      });
    });
    socket.on("error", (err) => this.o.log.warn("mqtt connection error", { clientId: this.o.clientId, err: err.message }));
    socket.on("close", () => this.closed(socket));
  }

  private get keepalive(): number {
    return this.o.keepaliveSeconds ?? 30;
  }

  private receive(socket: Socket, p: Packet): void {
    switch (p.cmd) {
      case "connack":
        if (p.returnCode !== 0) {
          this.o.log.error("mqtt connection refused", { clientId: this.o.clientId, returnCode: p.returnCode });
          socket.destroy();
          return;
        }
        this.connected = true;
        this.attempt = 0;
        this.o.log.info("mqtt connected", { clientId: this.o.clientId, sessionPresent: p.sessionPresent });
        this.send(socket, { cmd: "subscribe", messageId: 1, subscriptions: this.o.filters.map((topic) => ({ topic, qos: 1 })) });
        this.keepAlive(socket);
        return;
      case "suback":
        if (p.granted.some((g) => g === 128)) this.o.log.error("mqtt subscription refused", { clientId: this.o.clientId, granted: p.granted });
        return;
      case "publish":
        return this.publish(socket, p);
      default:
        return; // pingresp and the like: hearing anything keeps the connection alive
    }
  }

  private publish(socket: Socket, p: IPublishPacket): void {
    if (this.stopped) return; // stopping: not taken, not acknowledged, redelivered later
    const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
    if (p.qos === 0) {
      this.o.onMessage(p.topic, payload).catch((err) => this.o.log.error("mqtt message failed", { err }));
      return;
    }
    const entry: Pending = { messageId: p.messageId!, done: false, settled: Promise.resolve() };
    entry.settled = this.o
      .onMessage(p.topic, payload)
      .then(() => {
        entry.done = true;
        if (this.socket === socket) this.acknowledge(socket);
      })
      .catch((err) => this.o.log.warn("mqtt message not handed on, left for redelivery", { err: (err as Error).message }));
    this.pending.push(entry);
  }

  /** PUBACKs in the order the messages arrived: stop at the first one still in progress. */
  private acknowledge(socket: Socket): void {
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const { messageId } = this.pending.shift()!;
      this.send(socket, { cmd: "puback", messageId });
    }
  }

  private keepAlive(socket: Socket): void {
    if (this.timer) clearInterval(this.timer);
    const period = (this.keepalive * 1000) / 2;
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeard > this.keepalive * 1500) {
        this.o.log.warn("mqtt broker silent, reconnecting", { clientId: this.o.clientId });
        socket.destroy();
      } else this.send(socket, { cmd: "pingreq" });
    }, period);
  }

  private send(socket: Socket, p: Packet): void {
    if (!socket.destroyed) socket.write(mqttPacket.generate(p));
  }

  private closed(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.connected = false;
    this.pending = []; // unacknowledged: the broker redelivers them to the next connection
    if (this.timer) clearInterval(this.timer);
    if (this.stopped) return;
    const wait = Math.min(5_000, 250 * 2 ** Math.min(this.attempt++, 5));
    this.o.log.warn("mqtt disconnected, reconnecting", { clientId: this.o.clientId, waitMs: wait });
    setTimeout(() => this.open(), wait);
  }

  /**
   * Takes no more messages, lets those in progress finish (and acknowledges them, so the broker
   * does not deliver them again), then disconnects. What does not finish stays with the broker.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    if (!socket) return;
    const inProgress = Promise.allSettled(this.pending.map((e) => e.settled));
    await Promise.race([inProgress, Bun.sleep(5_000)]);
    this.send(socket, { cmd: "disconnect" });
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 2_000);
    });
  }
}
