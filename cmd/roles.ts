/**
 * The long-running roles. Each validates its configuration now, so deployments can be wired
 * and checked, and then says plainly that it is not built yet in this release.
 */
import type { Command } from "commander";
import { PulseError } from "../src/platform/errors";
import type { SettingKey } from "../src/platform/config";
import { VERSION } from "../src/platform/version";
import { boot, withSettings } from "./boot";

const ROLES: ReadonlyArray<{ name: string; summary: string; settings: readonly SettingKey[] }> = [
  { name: "evaluate", summary: "device status, rules and the alert lifecycle", settings: ["databaseUrl", "natsUrl"] },
  { name: "deliver", summary: "webhooks, notifications and message routes, with retries and dead letters", settings: ["databaseUrl", "natsUrl"] },
  { name: "ops", summary: "periodic jobs: retention, exports, reports, OTA and certificates", settings: ["databaseUrl", "natsUrl"] },
];

export function registerRoles(program: Command): void {
  for (const role of ROLES) {
    withSettings(program.command(role.name).description(role.summary), role.settings).action(async (_opts, cmd: Command) => {
      await using rt = boot(role.name, role.settings, cmd);
      rt.log.debug("configuration valid", { role: role.name });
      throw new PulseError("NOT_BUILT", `pulse ${role.name} is not built yet in pulse ${VERSION}`);
    });
  }
}
