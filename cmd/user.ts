/**
 * `pulse user`: local users for whoever runs the install, straight against the database (the
 * first tenant admin or operator, a forgotten password). Passwords never go on the command
 * line, where shell history and the process list would keep them: they come from stdin or
 * are generated and printed once.
 */
import type { Command } from "commander";
import type { Sql } from "../src/platform/db";
import { PulseError } from "../src/platform/errors";
import { MIN_PASSWORD_LENGTH, ROLES, rolesMismatch, type Role } from "../src/identity/schema";
import type { UserRow } from "../src/identity/users";
import { TENANT_ID } from "../src/platform/ids";
import { boot, withSettings, type Runtime } from "./boot";

// Loaded when a subcommand runs: password hashing and the database stay out of `pulse --help`.
const load = async () => ({
  ...(await import("../src/platform/services")),
  ...(await import("../src/identity/service")),
});

const KEYS = ["databaseUrl"] as const;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

const usage = (message: string) => new PulseError("USAGE", message);

/** Like every role: the schema must match this binary before anything is written. */
const open = async (rt: Runtime<(typeof KEYS)[number]>): Promise<Sql> =>
  (await load()).openDatabase({ url: rt.config.databaseUrl, role: "user", log: rt.log, lifecycle: rt.lifecycle, max: 1, heartbeat: false });

function checkEmail(email: string): string {
  if (!EMAIL.test(email) || email.length > 320) throw usage(`invalid value "${email}" for --email: expected an email address`);
  return email;
}

/** The password from stdin (one trailing newline dropped), or undefined to have one generated. */
async function stdinPassword(use: boolean | undefined): Promise<string | undefined> {
  if (!use) return undefined;
  const password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
  if (password.length < MIN_PASSWORD_LENGTH) throw usage(`--password-stdin: the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function describeUser(u: UserRow): string {
  return `${u.email} (${u.userId}) ${u.tenantId ? `in tenant ${u.tenantId}` : "operator"} with role(s) ${u.roles.join(", ")}`;
}

export function registerUser(program: Command): void {
  const user = program
    .command("user")
    .description("create local users, reset their passwords and list them (built-in sign-in, without Keycloak)")
    .helpCommand(false)
    .addHelpText("after", `\nPasswords are read from stdin with --password-stdin, or generated and printed once.\nExample: printf '%s' "$PASSWORD" | pulse user create --email admin@acme.example --role tenant-admin --tenant acme --password-stdin`);

  withSettings(user.command("create").description("create a local user of a tenant (customer, tenant-admin) or an operator (operator, operator-admin)"), KEYS)
    .requiredOption("--email <email>", "the user's email, used to sign in")
    .requiredOption("--role <role>", `a role, repeatable: ${ROLES.join(", ")}`, collect)
    .option("--tenant <tenant>", "the tenant of a customer or tenant-admin (must exist); operators have none")
    .option("--name <name>", "display name")
    .option("--password-stdin", "read the password from stdin instead of generating one")
    .action(async (opts: { email: string; role: string[]; tenant?: string; name?: string; passwordStdin?: boolean }, cmd: Command) => {
      await using rt = boot("user", KEYS, cmd);
      const { createUserAccount } = await load();
      const email = checkEmail(opts.email);
      const bad = opts.role.find((r) => !(ROLES as readonly string[]).includes(r));
      if (bad) throw usage(`invalid value "${bad}" for --role: expected ${ROLES.join(", ")}`);
      const roles = [...new Set(opts.role)] as Role[];
      const operatorRoles = roles.some((r) => r.startsWith("operator"));
      if (opts.tenant !== undefined && !TENANT_ID.test(opts.tenant)) throw usage(`invalid value "${opts.tenant}" for --tenant: expected a tenant id`);
      if (!opts.tenant && !operatorRoles) throw usage("--tenant is required for the customer and tenant-admin roles");
      if (opts.tenant && operatorRoles) throw usage("--tenant cannot be used with operator roles: operators belong to no tenant");
      const mismatch = rolesMismatch(roles, opts.tenant ?? null);
      if (mismatch) throw usage(`--role: ${mismatch}`);
      const password = await stdinPassword(opts.passwordStdin);
      const sql = await open(rt);
      const created = await createUserAccount(sql, { tenantId: opts.tenant ?? null, email, displayName: opts.name ?? null, roles, password }).catch((err: unknown) => {
        throw err instanceof PulseError && err.code === "NOT_FOUND" ? usage(`--tenant: no tenant "${opts.tenant}"; an operator creates it first (POST /api/v1/operator/tenants)`) : err;
      });
      console.log(`created ${describeUser(created.user)}`);
      if (created.generatedPassword) console.log(`password (shown once): ${created.generatedPassword}`);
    });

  withSettings(user.command("reset-password").description("set a user's password (generated unless --password-stdin) and end their sessions"), KEYS)
    .requiredOption("--email <email>", "the user's email")
    .option("--password-stdin", "read the new password from stdin instead of generating one")
    .action(async (opts: { email: string; passwordStdin?: boolean }, cmd: Command) => {
      await using rt = boot("user", KEYS, cmd);
      const { resetUserPassword } = await load();
      const email = checkEmail(opts.email);
      const password = await stdinPassword(opts.passwordStdin);
      const sql = await open(rt);
      const r = await resetUserPassword(sql, email, password).catch((err: unknown) => {
        throw err instanceof PulseError && err.code === "NOT_FOUND" ? new PulseError("NOT_FOUND", `--email: no user with email ${email}`) : err;
      });
      console.log(`password of ${r.user.email} changed; ${r.sessions} session(s) ended`);
      if (r.generatedPassword) console.log(`password (shown once): ${r.generatedPassword}`);
    });

  withSettings(user.command("list").description("list users, of one tenant or all"), KEYS)
    .option("--tenant <tenant>", "only this tenant's users")
    .option("--json", "print the list as JSON")
    .action(async (opts: { tenant?: string; json?: boolean }, cmd: Command) => {
      await using rt = boot("user", KEYS, cmd);
      const { allUsers } = await load();
      if (opts.tenant !== undefined && !TENANT_ID.test(opts.tenant)) throw usage(`invalid value "${opts.tenant}" for --tenant: expected a tenant id`);
      const sql = await open(rt);
      const rows = await allUsers(sql, opts.tenant);
      console.log(opts.json ? JSON.stringify(rows, null, 2) : renderUsers(rows));
    });
}

function renderUsers(rows: readonly UserRow[]): string {
  const table = [["EMAIL", "TENANT", "ROLES", "STATUS", "LAST SIGN-IN"], ...rows.map((u) => [u.email, u.tenantId ?? "-", u.roles.join(","), u.status, u.lastLoginAt?.toISOString() ?? "never"])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return [...table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()), `${rows.length} user(s)`].join("\n");
}
