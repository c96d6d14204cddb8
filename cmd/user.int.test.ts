import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { apiHarness, type ApiHarness } from "../src/testing/api";
import { runPulse, type CliResult } from "../src/testing/cli";
import { describePg } from "../src/testing/db";

/** runPulse with something on stdin (runPulse gives the child none). */
async function runWithStdin(args: string[], stdin: string): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "pulse.ts"), ...args], {
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", PULSE_LOG_FORMAT: "json" },
    stdin: new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const oneLine = (r: CliResult) => {
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines.length).toBe(1);
  return lines[0];
};

describePg("pulse user", () => {
  let h: ApiHarness;
  let db: string[];

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme"] });
    db = ["--database-url", h.db.url];
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const login = (email: string, password: string) => h.call("POST", "/api/v1/auth/login", { body: { email, password } });

  test("create with a generated password, then sign in over the API; list shows the user", async () => {
    const r = await runPulse(["user", "create", "--email", "ops@acme.example", "--role", "tenant-admin", "--role", "customer", "--tenant", "acme", "--name", "Ops", ...db]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created ops@acme\.example \([0-9a-f-]{36}\) in tenant acme with role\(s\) tenant-admin, customer\n/);
    const password = /password \(shown once\): (\S+)/.exec(r.stdout)![1]!;
    const signedIn = await login("ops@acme.example", password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ tenantId: "acme", roles: ["tenant-admin", "customer"] });

    const list = await runPulse(["user", "list", "--tenant", "acme", "--json", ...db]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((u: { email: string }) => u.email)).toEqual(["admin@acme.test", "ops@acme.example"]);
    const table = await runPulse(["user", "list", ...db]);
    expect(table.stdout).toMatch(/^EMAIL\s+TENANT\s+ROLES\s+STATUS\s+LAST SIGN-IN$/m);
    expect(table.stdout).toMatch(/^ops@acme\.example\s+acme\s+tenant-admin,customer\s+ACTIVE\s+\d{4}-/m);
    expect(table.stdout).toContain("2 user(s)");

    const dup = await runPulse(["user", "create", "--email", "OPS@acme.example", "--role", "customer", "--tenant", "acme", ...db]);
    expect(dup.code).toBe(1);
    expect(oneLine(dup)).toBe("pulse: a user with email OPS@acme.example already exists");
  });

  test("an operator from a password on stdin; reset-password ends sessions", async () => {
    const created = await runWithStdin(["user", "create", "--email", "root@pulse.example", "--role", "operator-admin", "--password-stdin", ...db], "correct horse battery\n");
    expect(created.stderr).toBe("");
    expect(created.stdout).toContain("operator with role(s) operator-admin");
    expect(created.stdout).not.toContain("password (shown once)");
    const signedIn = await login("root@pulse.example", "correct horse battery");
    expect(signedIn.status).toBe(200);

    const reset = await runPulse(["user", "reset-password", "--email", "root@pulse.example", ...db]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("password of root@pulse.example changed; 1 session(s) ended");
    const password = /password \(shown once\): (\S+)/.exec(reset.stdout)![1]!;
    expect((await login("root@pulse.example", "correct horse battery")).status).toBe(401);
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: signedIn.body.refreshToken } })).status).toBe(401);
    expect((await login("root@pulse.example", password)).status).toBe(200);

    const given = await runWithStdin(["user", "reset-password", "--email", "root@pulse.example", "--password-stdin", ...db], "another good password");
    expect(given.code).toBe(0);
    expect((await login("root@pulse.example", "another good password")).status).toBe(200);

    const missing = await runPulse(["user", "reset-password", "--email", "nobody@pulse.example", ...db]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing)).toBe("pulse: --email: no user with email nobody@pulse.example");
  });

  test("usage errors are one line naming the flag, exit 2", async () => {
    const cases: [string[], string][] = [
      [["--email", "x@acme.example", "--role", "customer"], "--tenant is required"],
      [["--email", "x@acme.example", "--role", "operator", "--tenant", "acme"], "--tenant cannot be used with operator roles"],
      [["--email", "x@acme.example", "--role", "admin", "--tenant", "acme"], 'invalid value "admin" for --role'],
      [["--email", "not-an-email", "--role", "customer", "--tenant", "acme"], 'invalid value "not-an-email" for --email'],
      [["--email", "x@acme.example", "--role", "customer", "--tenant", "nope"], '--tenant: no tenant "nope"'],
      [["--email", "x@acme.example", "--role", "customer", "--tenant", "acme", "--password", "hunter2hunter2"], "unknown option '--password'"],
    ];
    const results = await Promise.all(cases.map(([args]) => runPulse(["user", "create", ...args, ...db])));
    for (const [i, r] of results.entries()) {
      expect(r.code).toBe(2);
      expect(oneLine(r)).toContain(cases[i]![1]);
    }
    const short = await runWithStdin(["user", "create", "--email", "x@acme.example", "--role", "customer", "--tenant", "acme", "--password-stdin", ...db], "short\n");
    expect(short.code).toBe(2);
    expect(oneLine(short)).toBe("pulse: --password-stdin: the password must have at least 10 characters");
    const [n] = await h.db.sql`select count(*)::int as n from users where email = 'x@acme.example'`;
    expect(n!.n).toBe(0);
  });

  test("help names every subcommand; a database behind this binary is refused", async () => {
    const help = await runPulse(["user", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/create[^]*reset-password[^]*list[^]*--password-stdin/);

    await h.db.sql`delete from schema_migrations where id = (select max(id) from schema_migrations)`;
    const r = await runPulse(["user", "list", ...db]);
    expect(r.code).toBe(6);
    expect(oneLine(r)).toContain("run pulse migrate first");
  });
});
