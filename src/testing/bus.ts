/** A private namespace of streams on the test NATS server, removed afterwards. */
import { describe } from "bun:test";
import { randomUUID } from "node:crypto";
import { testSettings } from "../platform/config";
import type { Bus } from "../platform/bus/bus";
import { connectJetStream, deleteStreams, pingNats } from "../platform/bus/jetstream";
import { quietLog } from "./db";
import { probe } from "./services";

const { natsUrl } = testSettings();

const unavailable = await probe("NATS JetStream", natsUrl, () => pingNats(natsUrl));
export const describeNats = unavailable ? describe.skipIf(true) : describe;

export interface TestBus extends AsyncDisposable {
  bus: Bus;
  prefix: string;
  url: string;
}

/** Test streams are small (NATS reserves their size); backpressure tests make them tiny. */
export const TEST_BUS_STORAGE = 64 * 1024 * 1024;

export async function testBus(o: { url?: string; storageBytes?: number; prefix?: string } = {}): Promise<TestBus> {
  const url = o.url ?? natsUrl;
  const prefix = o.prefix ?? `t${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const bus = await connectJetStream({ url, prefix, log: quietLog, name: "test", storageBytes: o.storageBytes ?? TEST_BUS_STORAGE, ackWaitMs: 3_000 });
  return {
    bus,
    prefix,
    url,
    async [Symbol.asyncDispose]() {
      await bus.close();
      await deleteStreams(url, prefix).catch(() => {});
    },
  };
}
