/** A private bus for a test: streams under their own prefix on the test NATS server, or a local bus in a temp directory; removed afterwards. */
import { describe } from "bun:test";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testSettings } from "../platform/config";
import type { Bus } from "../platform/bus/bus";
import { connectJetStream, deleteStreams, pingNats } from "../platform/bus/jetstream";
import { openLocalBus } from "../platform/bus/local";
import { quietLog } from "./db";
import { probe } from "./services";

const { natsUrl } = testSettings();

const unavailable = await probe("NATS JetStream", natsUrl, () => pingNats(natsUrl));
export const describeNats = unavailable ? describe.skipIf(true) : describe;

export type BusKind = "jetstream" | "local";

export interface TestBus extends AsyncDisposable {
  bus: Bus;
  kind: BusKind;
  /** Subject prefix ("" for the local bus). */
  prefix: string;
  url: string;
}

/** Test streams are small (NATS reserves their size); backpressure tests make them tiny. */
export const TEST_BUS_STORAGE = 64 * 1024 * 1024;

export async function testBus(o: { url?: string; storageBytes?: number; prefix?: string; kind?: BusKind } = {}): Promise<TestBus> {
  if (o.kind === "local") return testLocalBus({ storageBytes: o.storageBytes });
  const url = o.url ?? natsUrl;
  const prefix = o.prefix ?? `t${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const bus = await connectJetStream({ url, prefix, log: quietLog, name: "test", storageBytes: o.storageBytes ?? TEST_BUS_STORAGE, ackWaitMs: 3_000 });
  return {
    bus,
    kind: "jetstream",
    prefix,
    url,
    async [Symbol.asyncDispose]() {
      await bus.close();
      await deleteStreams(url, prefix).catch(() => {});
    },
  };
}

/** A local bus in its own temp directory; `dir` lets a test reopen it like a restart. */
export function testLocalBus(o: { storageBytes?: number; dir?: string; ackWaitMs?: number; segmentBytes?: number } = {}): TestBus & { dir: string } {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "pulse-bus-"));
  const bus = openLocalBus({ dir, log: quietLog, storageBytes: o.storageBytes ?? TEST_BUS_STORAGE, ackWaitMs: o.ackWaitMs ?? 3_000, segmentBytes: o.segmentBytes });
  return {
    bus,
    kind: "local",
    prefix: "",
    url: `file://${dir}`,
    dir,
    async [Symbol.asyncDispose]() {
      await bus.close();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
