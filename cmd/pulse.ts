#!/usr/bin/env bun
/**
 * The `pulse` binary: every role is a subcommand. Errors end here: one line on stderr and an
 * exit code from the error's code (see `pulse --help`); stacks go to the log at debug level.
 */
import { Command, CommanderError } from "commander";
import { EXIT_CODES, asPulseError } from "../src/platform/errors";
import { createLogger } from "../src/platform/log";
import { VERSION } from "../src/platform/version";
import { GLOBAL_SETTINGS, settingOption } from "./boot";
import { registerMigrate } from "./migrate";
import { registerProbe } from "./probe";
import { registerRoles } from "./roles";
import { registerSimulate } from "./simulate";
import { registerUp } from "./up";
import { registerUser } from "./user";
import { registerVersion } from "./version";

const program = new Command("pulse")
  .description("Pulse: IoT fleet management and operations, in one binary")
  .version(VERSION, "-V, --version", "print the version")
  .helpCommand(false)
  .exitOverride()
  .showSuggestionAfterError(true)
  .configureOutput({ outputError: () => {} })
  .addHelpText(
    "after",
    `\nEvery flag can also be set with the PULSE_* variable named in the command's help.\n\nExit codes:\n${EXIT_CODES.map((e) => `  ${String(e.code).padStart(3)}  ${e.meaning}`).join("\n")}`,
  );
for (const key of GLOBAL_SETTINGS) program.addOption(settingOption(key));

registerUp(program);
registerRoles(program);
registerMigrate(program);
registerUser(program);
registerSimulate(program);
registerVersion(program);
registerProbe(program);

/** The subcommand path named on the command line, for "see 'pulse migrate --help'". */
function commandPath(argv: readonly string[]): string {
  const path = ["pulse"];
  let cmd: Command = program;
  for (const arg of argv) {
    const next = cmd.commands.find((c) => c.name() === arg);
    if (!next) break;
    path.push(arg);
    cmd = next;
  }
  return path.join(" ");
}

function report(err: unknown, argv: readonly string[]): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
    if (err.code === "commander.help") return 2;
    const text = err.message.replace(/^error: /, "").replaceAll("\n", " ");
    process.stderr.write(`pulse: ${text} (see '${commandPath(argv)} --help')\n`);
    return 2;
  }
  const e = asPulseError(err);
  const unexpected = e.code === "INTERNAL" && e.cause !== undefined;
  const cause = e.cause instanceof Error ? e.cause : undefined;
  process.stderr.write(`pulse: ${unexpected ? `unexpected error: ${cause?.message ?? String(e.cause)}` : e.message}\n`);
  if (unexpected) createLogger({ svc: "pulse", level: "error", format: "json" }).error("unexpected error", { err: cause ?? e });
  return e.exitCode;
}

const argv = process.argv.slice(2);
try {
  await program.parseAsync(argv, { from: "user" });
  process.exit(0);
} catch (err) {
  process.exit(report(err, argv));
}
