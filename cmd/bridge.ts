import type { Command } from "commander";
import { boot, withSettings } from "./boot";

const KEYS = ["mqttUrl", "mqttClientId", "bridgeConnections", "natsUrl", "natsPrefix", "busStorageGib", "healthHost", "healthPort", "maxPayloadBytes"] as const;

export function registerBridge(program: Command): void {
  withSettings(program.command("bridge").description("republish MQTT broker traffic onto the bus, acknowledging only what the bus stored"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("bridge", KEYS, cmd);
      // Loaded on demand: `pulse --help` and the other roles need none of it.
      const { runBridge } = await import("../src/workers/bridge/main");
      await runBridge(rt.config, rt.log, rt.lifecycle);
    },
  );
}
