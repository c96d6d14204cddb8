/**
 * The MQTT broker embedded in `pulse up`: aedes 1.2.0 (MQTT 3.1.1 only; a protocol 5 CONNECT is
 * refused with "Unacceptable protocol version") behind a TCP listener and an optional WebSocket
 * listener (paths "/mqtt" and "/"). The only module that imports aedes and ws.
 *
 * What a device sees:
 * - CONNECT: `authenticate` decides. Refused credentials get CONNACK 4 "Bad username or password";
 *   if `authenticate` itself fails, CONNACK 3 "Server unavailable" (the device retries later).
 *   Refusals are logged at info with the username and client id, never the password.
 * - SUBSCRIBE: a filter `authorize` denies is granted 0x80 (failure); the others are granted.
 * - PUBLISH: `authorize` denies → aedes treats the authorizePublish error as fatal and closes the
 *   connection without a PUBACK (as EMQX does with `deny_action = disconnect`, which
 *   appliance/emqx sets; EMQX's default is `ignore`). Topics under `$` are always denied
 *   (reserved for the server, MQTT-4.7.2-1).
 *   Allowed → `onPublish`, retried with backoff (100 ms doubling to 5 s) until it resolves; only
 *   then does aedes send the PUBACK (QoS 1) or PUBREC (QoS 2). aedes stops reading a client's
 *   socket until its current packets are handled, so a slow store throttles that device: MQTT
 *   backpressure. The retries stop when the device disconnects or the broker closes: the message
 *   was never acknowledged, so the device resends it on reconnect (at least once; an attempt
 *   already running when that happens may still succeed, so the store can see it twice).
 *   A QoS 2 message resent before its PUBREL is recognised in aedes's session store and not
 *   passed to `onPublish` again.
 * - Retain: a retained message is passed to `onPublish` like any other, then its retain flag is
 *   cleared, so the broker keeps no retained messages: the platform's store is the record, and
 *   in-memory retained state would vanish on restart anyway.
 * - Last will: when a device drops without DISCONNECT its will is authorised and passed to
 *   `onPublish` (it is the device's own message, sent in its CONNECT). Wills are not published
 *   when `close()` disconnects the devices: the platform stopped, not the devices.
 * - close(): stops accepting, disconnects every client, closes both listeners and aedes. It does
 *   not wait for an `onPublish` call already running: its outcome is ignored, as no PUBACK is sent.
 * aedes's own `$SYS/...` messages (heartbeat, client and subscription notices) are published by
 * the broker itself and never reach `onPublish`. Sessions live in aedes's in-memory persistence.
 */
import type { EventEmitter } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";
import type { Duplex } from "node:stream";
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from "aedes";
import { createWebSocketStream, WebSocketServer } from "ws";
import { portError } from "../platform/health";
import type { Logger } from "../platform/log";

export interface BrokerOptions {
  /** Bind address, e.g. "0.0.0.0" or "127.0.0.1". */
  host: string;
  /** 0 = pick a free port. */
  tcpPort: number;
  /** WebSocket listener (paths "/mqtt" and "/"); null = none; 0 = pick a free port. */
  wsPort: number | null;
  /** Named in the error when the TCP port is in use, e.g. "--mqtt-port". */
  tcpFlag: string;
  /** Named in the error when the WebSocket port is in use, e.g. "--mqtt-ws-port". */
  wsFlag: string;
  log: Logger;
  /** Connect check. Resolve true to accept. Called with the MQTT username/password/clientId. */
  authenticate(c: { username: string | undefined; password: Buffer | undefined; clientId: string }): Promise<boolean>;
  /** May this connected username publish to / subscribe to this topic (filter)? */
  authorize(c: { username: string | undefined; topic: string; action: "publish" | "subscribe" }): boolean;
  /**
   * Called for every authorised PUBLISH before the broker acknowledges it: the PUBACK (QoS 1) is
   * sent only after this resolves, so a device's acknowledged message is already durable.
   * If it rejects, the broker retries it with backoff (100 ms doubling to 5 s) until it resolves or
   * the device disconnects or the broker is stopping: it never drops the message and never PUBACKs
   * it unstored. While it waits, the client's in-flight window fills: that is the MQTT backpressure.
   */
  onPublish(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void>;
}

export interface EmbeddedBroker {
  /** The bound TCP port (the chosen one when 0 was asked for). */
  tcpPort: number;
  /** The bound WebSocket port, or null without a WebSocket listener. */
  wsPort: number | null;
  /** Connected (authenticated) clients. */
  clients(): number;
  /** Publishes to subscribers as the broker itself (message routes' republish). */
  publish(topic: string, payload: Uint8Array, o: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** Stops accepting, disconnects every client, closes the listeners and aedes. Idempotent. */
  close(): Promise<void>;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;
const WS_PATHS = new Set(["/mqtt", "/"]);
/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). aedes declares them as a const enum, which isolatedModules cannot read. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

/** The part of aedes's session store (the aedes-persistence API) used to spot a resent QoS 2 message. */
interface IncomingStore {
  incomingGetPacket(client: Client, packet: PublishPacket): Promise<unknown>;
}

const connackError = (returnCode: number, message: string) => Object.assign(new Error(message), { returnCode }) as AuthenticateError;

export async function startBroker(o: BrokerOptions): Promise<EmbeddedBroker> {
  const log = o.log.with({ component: "mqtt-broker" });
  const usernames = new WeakMap<Client, string | undefined>();
  let stopping = false;
  let signalStop!: () => void;
  /** Resolves when the broker starts stopping: a pending onPublish or retry wait gives up then. */
  const stopped = new Promise<"stopped">((resolve) => (signalStop = () => resolve("stopped")));

  const allowed = (client: Client, topic: string, action: "publish" | "subscribe"): boolean => {
    if (action === "publish" && topic.startsWith("$")) return false;
    try {
      return o.authorize({ username: usernames.get(client), topic, action });
    } catch (err) {
      log.error("mqtt authorize failed", { username: usernames.get(client), clientId: client.id, topic, action, err });
      return false;
    }
  };

  /**
   * Runs onPublish until it resolves; false if the broker stops first, or the client disconnects
   * first (a will is published after its client closed, so only the broker stopping ends it).
   */
  const store = async (client: Client, packet: PublishPacket, isWill: boolean): Promise<boolean> => {
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    for (let attempt = 1; ; attempt++) {
      if (stopping || (client.closed && !isWill)) return false;
      try {
        return (await Promise.race([o.onPublish(packet.topic, payload, packet.qos), stopped])) !== "stopped";
      } catch (err) {
        const waitMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(attempt - 1, 10));
        if (attempt === 1 || attempt % 10 === 0) log.warn("storing an mqtt message failed, retrying", { clientId: client.id, topic: packet.topic, attempt, waitMs, err });
        await Promise.race([Bun.sleep(waitMs), stopped]);
      }
    }
  };

  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      o.authenticate({ username, password, clientId: client.id }).then(
        (ok) => {
          if (ok) {
            usernames.set(client, username);
            return done(null, true);
          }
          log.info("mqtt connect refused: bad username or password", { username, clientId: client.id });
          done(connackError(BAD_USERNAME_OR_PASSWORD, "Bad username or password"), false);
        },
        (err: unknown) => {
          log.error("mqtt authenticate failed", { username, clientId: client.id, err });
          done(connackError(SERVER_UNAVAILABLE, "Server unavailable"), false);
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      if (allowed(client, sub.topic, "subscribe")) return done(null, sub);
      log.info("mqtt subscribe denied", { username: usernames.get(client), clientId: client.id, topic: sub.topic });
      done(null, null); // granted 0x80
    },
    authorizePublish(client, packet, done) {
      const isWill = packet.cmd !== "publish";
      // null: a will left behind by another broker instance; with one in-memory broker, none exist.
      if (!client || (isWill && stopping)) return done(new Error("not published"));
      if (!allowed(client, packet.topic, "publish")) {
        log.info("mqtt publish denied", { username: usernames.get(client), clientId: client.id, topic: packet.topic, will: isWill || undefined });
        return done(new Error(`not authorised to publish to ${packet.topic}`));
      }
      const resent = packet.qos === 2 && !isWill ? incoming.incomingGetPacket(client, packet).then(() => true, () => false) : Promise.resolve(false);
      resent
        .then((dup) => dup || store(client, packet, isWill))
        .then((stored) => {
          packet.retain = false;
          done(stored ? null : new Error("message not stored: the client or the broker went away"));
        }, done);
    },
  });
  aedes.on("clientError", (client, err) => log.debug("mqtt client error", { clientId: client.id, err: err.message }));
  aedes.on("connectionError", (_client, err) => log.debug("mqtt connection error", { err: err.message }));
  (aedes as EventEmitter).on("error", (err: Error) => log.error("mqtt broker error", { err }));
  const incoming = (aedes as unknown as { persistence: IncomingStore }).persistence;

  const tcp = createTcpServer((socket) => aedes.handle(socket));
  let http: HttpServer | null = null;
  const shutdown = async () => {
    stopping = true;
    signalStop();
    const listeners = Promise.all([closeServer(tcp), http && closeServer(http)]); // stop accepting
    await new Promise<void>((resolve) => aedes.close(resolve)); // disconnects every client
    http?.closeAllConnections();
    await listeners;
  };

  let tcpPort: number;
  let wsPort: number | null = null;
  try {
    tcpPort = await listen(tcp, o.host, o.tcpPort, o.tcpFlag);
    if (o.wsPort !== null) {
      const wss = new WebSocketServer({ noServer: true });
      http = createHttpServer((_req, res) => res.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket: connect to /mqtt\n"));
      http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (stopping || !WS_PATHS.has(new URL(req.url ?? "/", "http://localhost").pathname)) return socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => aedes.handle(createWebSocketStream(ws), req));
      });
      wsPort = await listen(http, o.host, o.wsPort, o.wsFlag);
    }
  } catch (err) {
    await shutdown();
    throw err;
  }
  log.info("mqtt broker listening", { host: o.host, tcpPort, wsPort });

  let closing: Promise<void> | null = null;
  return {
    tcpPort,
    wsPort,
    clients: () => aedes.connectedClients,
    publish: (topic, payload, p) =>
      new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: p.qos, retain: p.retain, dup: false }, (err) => (err ? reject(err) : resolve())),
      ),
    close() {
      closing ??= shutdown().then(() => log.info("mqtt broker stopped"));
      return closing;
    },
  };
}

/** Listens; "address in use" becomes the PulseError naming the flag that chose the port. */
function listen(server: TcpServer | HttpServer, host: string, port: number, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(portError(err, port, flag));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const closeServer = (server: TcpServer | HttpServer) =>
  new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
