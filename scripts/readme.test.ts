import { expect, test } from "bun:test";
import { join } from "node:path";
import { EXIT_CODES } from "../src/platform/errors";
import { envOf, flagOf, SETTINGS, type SettingKey } from "../src/platform/config";

const readme = await Bun.file(join(import.meta.dir, "../README.md")).text();

test("the README's configuration table lists every setting with its flag, variable and default", () => {
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const s = SETTINGS[key];
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${flagOf(key)}\` |`));
    expect(row, `README row for ${flagOf(key)}`).toBeDefined();
    expect(row).toContain(`\`${envOf(key)}\``);
    if ("default" in s) expect(row).toContain(`\`${s.default}\``);
  }
});

test("the README's exit code table matches the binary's", () => {
  for (const { code, meaning } of EXIT_CODES) expect(readme).toContain(`| ${code} | ${meaning} |`);
});
