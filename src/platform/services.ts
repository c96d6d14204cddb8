/**
 * Opening the shared engines the way every long-running role does: a database whose schema
 * matches this binary, and the bus with its streams ensured.
 */
import type { Bus } from "./bus/bus";
import { connectJetStream } from "./bus/jetstream";
import { checkConnection, connect, type Sql } from "./db";
import type { Lifecycle } from "./lifecycle";
import type { Logger } from "./log";
import { assertSchemaReady } from "./migrate";

export async function openDatabase(o: { url: string; role: string; log: Logger; lifecycle: Lifecycle; max: number }): Promise<Sql> {
  const sql = connect({ url: o.url, appName: `pulse-${o.role}`, log: o.log, max: o.max });
  o.lifecycle.defer(() => sql.end({ timeout: 5 }));
  await checkConnection(sql, o.url);
  await assertSchemaReady(sql);
  return sql;
}

export async function openBus(o: { url: string; prefix: string; storageGib: number; role: string; log: Logger; lifecycle: Lifecycle }): Promise<Bus> {
  const bus = await connectJetStream({ url: o.url, prefix: o.prefix, log: o.log, name: `pulse-${o.role}`, storageBytes: o.storageGib * 1024 ** 3 });
  o.lifecycle.defer(() => bus.close());
  return bus;
}
