/**
 * Load generator: many simulated devices sending telemetry over HTTP or MQTT. Every payload
 * carries its send time as `ts` and a per-device `seq`, so what arrives in the database can be
 * checked for loss, duplicates and latency. Used by `bun run bench:ingest`.
 */
import mqtt from "mqtt";

export interface SimDevice {
  tenant: string;
  device: string;
  token: string;
  siteId: string;
}

export interface LoadOptions {
  devices: readonly SimDevice[];
  messages: number;
  /** Messages per second overall; 0 sends as fast as the server takes them. */
  rate: number;
}

export interface LoadResult {
  sent: number;
  accepted: number;
  rejected: number;
  seconds: number;
}

/** The i-th message of the run: device round-robin, seq counting per device. */
function message(o: LoadOptions, i: number) {
  const d = o.devices[i % o.devices.length]!;
  const seq = Math.floor(i / o.devices.length);
  const payload = {
    ts: new Date().toISOString(),
    site_id: d.siteId,
    seq,
    metrics: { temp_c: 20 + (seq % 50) / 10, humidity_pct: 40 + (i % 30), door_open: i % 7 === 0, rssi_dbm: -60 - (i % 40) },
  };
  return { d, payload };
}

/** Paces a loop to `rate` per second (0: no pacing). */
function pacer(rate: number) {
  const started = performance.now();
  return async (i: number) => {
    if (rate <= 0) return;
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await Bun.sleep(wait);
  };
}

/** HTTP: `concurrency` requests in flight; `batch` > 1 uses /ingest/v1/batch. */
export async function loadHttp(o: LoadOptions & { baseUrl: string; concurrency: number; batch: number; ca?: string }): Promise<LoadResult> {
  const tls = o.ca ? { ca: o.ca } : undefined; // an HTTPS endpoint with its own CA (Caddy's internal one)
  const started = performance.now();
  const pace = pacer(o.rate);
  let next = 0;
  let accepted = 0;
  let rejected = 0;
  const worker = async () => {
    for (;;) {
      const first = next;
      if (first >= o.messages) return;
      const n = Math.min(o.batch, o.messages - first);
      next += n;
      await pace(first);
      if (o.batch === 1) {
        const { d, payload } = message(o, first);
        const res = await fetch(`${o.baseUrl}/ingest/v1/tenant/${d.tenant}/device/${d.device}/telemetry`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-provision-token": d.token },
          body: JSON.stringify(payload),
          tls,
        });
        await res.arrayBuffer();
        if (res.status === 202) accepted++;
        else rejected++;
      } else {
        const items = Array.from({ length: n }, (_, k) => {
          const { d, payload } = message(o, first + k);
          return { tenant_id: d.tenant, device_id: d.device, provision_token: d.token, ...payload };
        });
        const res = await fetch(`${o.baseUrl}/ingest/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: items }), tls });
        const body = (await res.json()) as { accepted?: number };
        accepted += body.accepted ?? 0;
        rejected += n - (body.accepted ?? 0);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { sent: o.messages, accepted, rejected, seconds: (performance.now() - started) / 1000 };
}

/**
 * MQTT, QoS 1. Shared mode: `connections` anonymous publishers share the devices (a broker
 * without per-device auth, as Mosquitto behind the bridge). `perDevice`: each device connects
 * with its own credentials (username `{tenant}/{device}`, its token as password) and publishes
 * only its own messages, as the embedded broker of `pulse up` requires. Up to `inflight`
 * unacknowledged messages per connection: a broker that withholds PUBACKs slows the sender.
 */
export async function loadMqtt(o: LoadOptions & { url: string; connections: number; inflight: number; clientPrefix: string; perDevice?: boolean }): Promise<LoadResult> {
  const clients = o.perDevice
    ? await Promise.all(o.devices.map((d, i) => mqtt.connectAsync(o.url, { clientId: `${o.clientPrefix}-${i}`, clean: true, protocolVersion: 4, username: `${d.tenant}/${d.device}`, password: d.token })))
    : await Promise.all(Array.from({ length: o.connections }, (_, i) => mqtt.connectAsync(o.url, { clientId: `${o.clientPrefix}-${i}`, clean: true, protocolVersion: 4 })));
  const started = performance.now();
  const pace = pacer(o.rate);
  let next = 0;
  const nextFor = o.perDevice ? clients.map((_, k) => k) : [];
  let accepted = 0;
  let rejected = 0;
  const take = (c: number) => {
    if (!o.perDevice) return next++;
    const i = nextFor[c]!;
    nextFor[c] = i + clients.length;
    return i;
  };
  const worker = async (client: mqtt.MqttClient, c: number) => {
    for (;;) {
      const i = take(c);
      if (i >= o.messages) return;
      await pace(i);
      const { d, payload } = message(o, i);
      await client
        .publishAsync(`tenant/${d.tenant}/device/${d.device}/telemetry`, JSON.stringify({ ...payload, provision_token: d.token }), { qos: 1 })
        .then(
          () => accepted++,
          () => rejected++,
        );
    }
  };
  await Promise.all(clients.flatMap((client, c) => Array.from({ length: o.inflight }, () => worker(client, c))));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  return { sent: o.messages, accepted, rejected, seconds };
}
