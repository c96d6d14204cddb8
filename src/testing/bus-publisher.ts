/**
 * A child process for crash tests: publishes to a local bus in the directory given as its
 * argument, 20 at a time, and prints each message's id once the bus acknowledged it, until killed.
 */
import { openLocalBus } from "../platform/bus/local";
import { quietLog } from "./db";

const bus = openLocalBus({ dir: process.argv[2]!, log: quietLog, storageBytes: 1024 ** 3, segmentBytes: 64 * 1024 });
for (let i = 0; ; i += 20) {
  const ids = Array.from({ length: 20 }, (_, k) => `m${i + k}`);
  await Promise.all(ids.map((id) => bus.publish("TELEMETRY", "acme", new TextEncoder().encode(id)).then(() => process.stdout.write(`${id}\n`))));
}
