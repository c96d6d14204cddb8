/**
 * The Keycloak realm (appliance/keycloak/pulse-realm.json) against what Pulse's verifier and
 * console expect. The claims a Keycloak token would carry are built from the realm's mapper
 * configuration (or, for Keycloak's built-in scopes, from how Keycloak 26 writes them) and run
 * through Pulse's own code: principalFromClaims and the verifier.
 */
import { describe, expect, test } from "bun:test";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from "jose";
import { principalFromClaims } from "../../src/identity/principal";
import { MIN_PASSWORD_LENGTH, OPERATOR_ROLES, ROLES, TENANT_ROLES, rolesMismatch, type Role } from "../../src/identity/schema";
import { createVerifier } from "../../src/identity/verifier";
import { SETTINGS, loadConfig } from "../../src/platform/config";
import { TENANT_ID } from "../../src/platform/ids";
// Importable without a DOM: the module only touches window APIs inside its functions.
import { CALLBACK_PATH } from "../../src/web/lib/oidc";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, any>;

const REALM_FILE = new URL("../keycloak/pulse-realm.json", import.meta.url);
const raw = await Bun.file(REALM_FILE).text();
const realm: Obj = JSON.parse(raw);

// Keycloak substitutes these from its environment on import; compose passes them to keycloak.
const PLACEHOLDERS = ["PULSE_DOMAIN", "PULSE_FIRST_ADMIN_EMAIL", "PULSE_FIRST_ADMIN_PASSWORD"];
const DOMAIN = "${PULSE_DOMAIN}";
const AUDIENCE = SETTINGS.oidcAudience.default!;
const CLIENT_ID = SETTINGS.oidcClientId.default!;

const client = (id: string): Obj => {
  const c = (realm.clients as Obj[]).find((x) => x.clientId === id);
  if (!c) throw new Error(`realm has no client ${id}`);
  return c;
};
const mapper = (c: Obj, type: string): Obj => {
  const m = (c.protocolMappers as Obj[] | undefined)?.find((x) => x.protocolMapper === type);
  if (!m) throw new Error(`client ${c.clientId} has no ${type} mapper`);
  return m;
};
const userProfile = (): Obj => {
  const comp = realm.components["org.keycloak.userprofile.UserProfileProvider"][0];
  return JSON.parse(comp.config["kc.user.profile.config"][0]);
};
/** Keycloak's redirect matching: a trailing `*` is a prefix match, anything else exact. */
const redirectAllowed = (patterns: string[], uri: string) =>
  patterns.some((p) => (p.endsWith("*") ? uri.startsWith(p.slice(0, -1)) : uri === p));

/** Every string in the realm, with the path that leads to it. */
function strings(v: Json, path = "$"): Array<[string, string]> {
  if (typeof v === "string") return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => strings(x, `${path}.${k}`));
  return [];
}

describe("realm", () => {
  test("is the realm Pulse's issuer names, with organizations on", () => {
    expect(realm.realm).toBe("pulse");
    expect(realm.enabled).toBe(true);
    expect(realm.organizationsEnabled).toBe(true);
    expect(realm.sslRequired).toBe("external");
    // The issuer compose gives serve parses as a Pulse setting and ends in this realm.
    const cfg = loadConfig(["oidcIssuer", "oidcAudience", "oidcClientId", "oidcJwksUrl"], {}, {
      PULSE_OIDC_ISSUER: "https://pulse.example.com/realms/pulse",
      PULSE_OIDC_JWKS_URL: "http://keycloak:8080/realms/pulse/protocol/openid-connect/certs",
    });
    expect(cfg.oidcIssuer.endsWith(`/realms/${realm.realm}`)).toBe(true);
    expect(cfg.oidcAudience).toBe("pulse-api");
    expect(cfg.oidcClientId).toBe("pulse-console");
  });

  test("locks out password guessing and keeps tokens short-lived", () => {
    expect(realm.bruteForceProtected).toBe(true);
    expect(realm.failureFactor).toBeGreaterThan(0);
    expect(realm.accessTokenLifespan).toBeGreaterThanOrEqual(300);
    expect(realm.accessTokenLifespan).toBeLessThanOrEqual(900);
    expect(realm.ssoSessionIdleTimeout).toBeGreaterThan(realm.accessTokenLifespan);
    expect(realm.ssoSessionMaxLifespan).toBeGreaterThanOrEqual(realm.ssoSessionIdleTimeout);
    // The console refreshes one tab at a time (src/web/lib/session.ts), so rotation is safe.
    expect(realm.revokeRefreshToken).toBe(true);
    expect(realm.registrationAllowed).toBe(false);
  });

  test("asks for passwords at least as long as Pulse's own", () => {
    const length = /length\((\d+)\)/.exec(realm.passwordPolicy);
    expect(length).not.toBeNull();
    expect(Number(length![1])).toBeGreaterThanOrEqual(MIN_PASSWORD_LENGTH);
    expect(realm.passwordPolicy).toContain("notUsername");
  });

  test("defines exactly Pulse's roles, none composite, each described", () => {
    const roles = realm.roles.realm as Obj[];
    expect(roles.map((r) => r.name).sort()).toEqual([...ROLES].sort());
    for (const r of roles) {
      expect(r.composite).toBe(false);
      expect(typeof r.description).toBe("string");
      expect(r.description.length).toBeGreaterThan(10);
    }
  });

  test("grants no Pulse role by default", () => {
    // Keycloak builds default-roles-pulse itself (offline_access, uma_authorization, account
    // roles) when the realm does not define it; nothing here may put a Pulse role into it.
    const pulseRole = (n: unknown) => (ROLES as readonly unknown[]).includes(n);
    expect(realm.defaultRole?.composites?.realm?.some(pulseRole) ?? false).toBe(false);
    const declaredDefault = (realm.roles.realm as Obj[]).find((r) => r.name === "default-roles-pulse");
    expect(declaredDefault).toBeUndefined();
    expect(realm.defaultRoles).toBeUndefined();
    expect(realm.defaultGroups).toBeUndefined();
    for (const g of (realm.groups as Obj[] | undefined) ?? []) expect((g.realmRoles ?? []).some(pulseRole)).toBe(false);
  });

  test("leaves Keycloak's built-in client scopes in place", () => {
    // A realm file that declares clientScopes stops Keycloak from creating its own, `basic`
    // (which writes `sub`, a claim the verifier requires) and `roles` among them.
    expect(realm.clientScopes).toBeUndefined();
  });

  test("descriptions fit Keycloak's 255-character columns", () => {
    for (const [path, s] of strings(realm)) if (path.endsWith(".description")) expect(s.length).toBeLessThanOrEqual(255);
  });
});

describe("console client", () => {
  const console_ = client(CLIENT_ID);

  test("is public and uses the authorization code flow with PKCE S256 only", () => {
    expect(console_.publicClient).toBe(true);
    expect(console_.standardFlowEnabled).toBe(true);
    expect(console_.implicitFlowEnabled).toBe(false);
    expect(console_.directAccessGrantsEnabled).toBe(false);
    expect(console_.serviceAccountsEnabled).toBe(false);
    expect(console_.attributes["pkce.code.challenge.method"]).toBe("S256");
    expect(console_.attributes["oauth2.device.authorization.grant.enabled"]).toBe("false");
    expect(console_.secret).toBeUndefined();
  });

  test("sends the browser back only to the console", () => {
    expect(console_.redirectUris).toEqual([`https://${DOMAIN}${CALLBACK_PATH}`]);
    expect(console_.redirectUris.every((u: string) => !u.includes("*"))).toBe(true);
    // endSession in src/web/lib/oidc.ts returns to `${origin}/app/`.
    const postLogout = String(console_.attributes["post.logout.redirect.uris"]).split("##");
    expect(redirectAllowed(postLogout, `https://${DOMAIN}/app/`)).toBe(true);
    expect(redirectAllowed(postLogout, `https://evil.example/app/`)).toBe(false);
    expect(console_.webOrigins).toEqual([`https://${DOMAIN}`]);
  });

  test("carries the scopes whose claims Pulse reads", () => {
    // basic: sub; roles: realm_access.roles; organization: the tenant; profile, email: name and email.
    for (const s of ["basic", "roles", "organization", "profile", "email", "web-origins"]) {
      expect(console_.defaultClientScopes).toContain(s);
    }
  });

  test("adds the API audience to access tokens", () => {
    const aud = mapper(console_, "oidc-audience-mapper").config;
    expect(aud["included.client.audience"]).toBe(AUDIENCE);
    expect(aud["access.token.claim"]).toBe("true");
  });

  test("maps a tenant_id user attribute into access tokens", () => {
    const m = mapper(console_, "oidc-usermodel-attribute-mapper").config;
    expect(m["user.attribute"]).toBe("tenant_id");
    expect(m["claim.name"]).toBe("tenant_id");
    expect(m["jsonType.label"]).toBe("String");
    expect(m["multivalued"]).toBe("false");
    expect(m["access.token.claim"]).toBe("true");
  });
});

describe("API client", () => {
  test("exists as the audience and cannot sign anyone in", () => {
    const api = client(AUDIENCE);
    expect(api.bearerOnly).toBe(true);
    expect(api.publicClient).toBe(false);
    expect(api.standardFlowEnabled).toBe(false);
    expect(api.implicitFlowEnabled).toBe(false);
    expect(api.directAccessGrantsEnabled).toBe(false);
    expect(api.serviceAccountsEnabled).toBe(false);
    expect(api.secret).toBeUndefined();
  });
});

describe("user profile", () => {
  test("declares tenant_id, editable and visible by administrators only", () => {
    const attr = (userProfile().attributes as Obj[]).find((a) => a.name === "tenant_id");
    expect(attr).toBeDefined();
    // A user who could set their own tenant_id could choose their tenant.
    expect(attr!.permissions.edit).toEqual(["admin"]);
    expect(attr!.permissions.view).toEqual(["admin"]);
    expect(attr!.validations.pattern.pattern).toBe(TENANT_ID.source);
    expect(attr!.multivalued).toBe(false);
  });

  test("keeps the attributes Keycloak's forms need", () => {
    const names = (userProfile().attributes as Obj[]).map((a) => a.name);
    for (const n of ["username", "email", "firstName", "lastName"]) expect(names).toContain(n);
  });
});

describe("first administrator", () => {
  const admin = (realm.users as Obj[]).find((u) => u.username === "admin")!;

  test("is an operator-admin outside any tenant", () => {
    expect(admin).toBeDefined();
    expect(admin.enabled).toBe(true);
    expect(admin.email).toBe("${PULSE_FIRST_ADMIN_EMAIL}");
    const pulseRoles = (admin.realmRoles as string[]).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    expect(pulseRoles).toEqual(["operator-admin"]);
    expect(admin.attributes?.tenant_id).toBeUndefined();
    expect(rolesMismatch(pulseRoles, null)).toBeNull();
  });

  test("has a temporary password from the environment", () => {
    const creds = admin.credentials as Obj[];
    expect(creds).toHaveLength(1);
    expect(creds[0]!.type).toBe("password");
    expect(creds[0]!.value).toBe("${PULSE_FIRST_ADMIN_PASSWORD}");
    expect(creds[0]!.temporary).toBe(true);
    expect(admin.requiredActions).toContain("UPDATE_PASSWORD");
    // Keycloak checks the policy on import: the profile fields it requires are present.
    expect(admin.firstName && admin.lastName).toBeTruthy();
  });
});

describe("secrets", () => {
  test("every ${...} is one of the environment placeholders", () => {
    const found = [...raw.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
    expect(found.length).toBeGreaterThan(0);
    for (const name of found) expect(PLACEHOLDERS).toContain(name!);
  });

  test("every credential or secret value is a placeholder", () => {
    let checked = 0;
    for (const [path, s] of strings(realm)) {
      if (/(secret|password|credentials\[\d+\]\.value)$/i.test(path)) {
        expect(s).toMatch(/^\$\{[A-Z0-9_]+\}$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("with the rest of the appliance", () => {
  const APPLIANCE = new URL("..", import.meta.url).pathname;
  const REPO = new URL("../..", import.meta.url).pathname;
  /** `${VAR:?message}` and `${VAR:-default}` as compose writes them, reduced to `${VAR}`. */
  const bare = (s: unknown) => String(s).replace(/\$\{([A-Z0-9_]+)[:?-][^}]*\}/g, "${$1}");

  test("compose gives serve this realm's issuer, audience and client, and Keycloak its placeholders", async () => {
    const compose = Bun.YAML.parse(await Bun.file(`${APPLIANCE}compose.yaml`).text()) as any;
    const serve = compose.services.serve.environment;
    expect(bare(serve.PULSE_OIDC_ISSUER)).toBe(`https://${DOMAIN}/realms/${realm.realm}`);
    expect(String(serve.PULSE_OIDC_JWKS_URL)).toMatch(new RegExp(`^http://keycloak:8080/realms/${realm.realm}/protocol/openid-connect/certs$`));
    expect(serve.PULSE_OIDC_AUDIENCE ?? AUDIENCE).toBe(mapper(client(CLIENT_ID), "oidc-audience-mapper").config["included.client.audience"]);
    expect(serve.PULSE_OIDC_CLIENT_ID ?? CLIENT_ID).toBe(client(CLIENT_ID).clientId);

    const keycloak = compose.services.keycloak;
    for (const name of PLACEHOLDERS) expect(bare(keycloak.environment[name])).toBe(`\${${name}}`);
    expect(keycloak.command).toContain("--import-realm");
    expect((keycloak.volumes as string[]).some((v) => v.startsWith("./keycloak/pulse-realm.json:/opt/keycloak/data/import/"))).toBe(true);
    const example = await Bun.file(`${APPLIANCE}.env.example`).text();
    for (const name of PLACEHOLDERS) expect(example).toMatch(new RegExp(`^${name}=`, "m"));
  });

  test("the first administrator's generated password passes the realm's policy", async () => {
    // Keycloak checks imported passwords against the policy and refuses the import otherwise.
    const dir = `${Bun.env.TMPDIR ?? "/tmp"}/pulse-identity-test-${process.pid}`;
    await Bun.$`rm -rf ${dir} && mkdir -p ${dir} && cp ${APPLIANCE}.env.example ${dir}/`.quiet();
    try {
      const run = Bun.spawnSync(["sh", `${REPO}scripts/appliance-secrets`, dir], { stdout: "pipe", stderr: "pipe" });
      expect(run.exitCode).toBe(0);
      const env = await Bun.file(`${dir}/.env`).text();
      const password = /^PULSE_FIRST_ADMIN_PASSWORD=(.*)$/m.exec(env)![1]!;
      const email = /^PULSE_FIRST_ADMIN_EMAIL=(.*)$/m.exec(env)![1]!;
      const min = Number(/length\((\d+)\)/.exec(realm.passwordPolicy)![1]);
      const max = Number(/maxLength\((\d+)\)/.exec(realm.passwordPolicy)?.[1] ?? Infinity);
      expect(password.length).toBeGreaterThanOrEqual(min);
      expect(password.length).toBeLessThanOrEqual(max);
      expect(password).not.toBe("admin");
      expect(password).not.toBe(email);
    } finally {
      await Bun.$`rm -rf ${dir}`.quiet();
    }
  });
});

/** The claims Keycloak 26 would put in an access token of the console client for a user. */
function accessTokenClaims(u: { realmRoles: string[]; organizations?: string[]; tenantAttr?: string; orgJsonForm?: boolean }): Obj {
  const console_ = client(CLIENT_ID);
  const claims: Obj = {
    iss: "https://pulse.example.com/realms/pulse",
    sub: "7a4c1f0e-5d2b-4c4a-9a43-2f8d7a1e0c11", // the built-in `basic` scope
    azp: CLIENT_ID,
    preferred_username: "jane",
    email: "jane@acme.example",
    // The built-in `roles` scope (oidc-usermodel-realm-role-mapper, claim realm_access.roles).
    realm_access: { roles: u.realmRoles },
  };
  const aud = mapper(console_, "oidc-audience-mapper").config;
  if (aud["access.token.claim"] === "true") claims.aud = [aud["included.client.audience"]];
  // The built-in `organization` scope: Keycloak's OrganizationMembershipMapper, created
  // multivalued with jsonType String, writes the aliases as a list (["acme"]); with
  // organization attributes or ids turned on it writes an object keyed by alias ({"acme": {}}).
  if (u.organizations?.length) {
    claims.organization = u.orgJsonForm ? Object.fromEntries(u.organizations.map((a) => [a, {}])) : u.organizations;
  }
  const attr = mapper(console_, "oidc-usermodel-attribute-mapper").config;
  if (u.tenantAttr && attr["access.token.claim"] === "true") claims[attr["claim.name"]] = u.tenantAttr;
  return claims;
}

describe("tokens from this realm, read by Pulse", () => {
  test("a tenant admin of organization acme is tenant acme with tenant-admin", () => {
    const p = principalFromClaims(accessTokenClaims({ realmRoles: ["default-roles-pulse", "offline_access", "tenant-admin"], organizations: ["acme"] }));
    expect(p.tenantId).toBe("acme");
    expect([...p.roles]).toEqual(["tenant-admin"]);
    expect(rolesMismatch([...p.roles], p.tenantId)).toBeNull();
  });

  test("the object form of the organization claim names the same tenant", () => {
    const p = principalFromClaims(accessTokenClaims({ realmRoles: ["customer"], organizations: ["acme"], orgJsonForm: true }));
    expect(p.tenantId).toBe("acme");
    expect([...p.roles]).toEqual(["customer"]);
  });

  test("without an organization, the tenant_id attribute names the tenant", () => {
    const p = principalFromClaims(accessTokenClaims({ realmRoles: ["tenant-admin"], tenantAttr: "acme" }));
    expect(p.tenantId).toBe("acme");
  });

  test("the first administrator is an operator without a tenant", () => {
    const admin = (realm.users as Obj[]).find((u) => u.username === "admin")!;
    const p = principalFromClaims(accessTokenClaims({ realmRoles: admin.realmRoles }));
    expect(p.tenantId).toBeNull();
    expect([...p.roles]).toEqual(["operator-admin"]);
    expect(OPERATOR_ROLES).toContain([...p.roles][0] as (typeof OPERATOR_ROLES)[number]);
    expect(TENANT_ROLES.some((r) => p.roles.has(r))).toBe(false);
  });

  test("Pulse's verifier accepts the token the console gets and only with the audience mapper", async () => {
    const { publicKey, privateKey } = await generateKeyPair(realm.defaultSignatureAlgorithm as "RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: realm.defaultSignatureAlgorithm, use: "sig" };
    const issuer = "https://pulse.example.com/realms/pulse";
    const verify = createVerifier({ issuer, audience: AUDIENCE, keys: createLocalJWKSet({ keys: [jwk] }) });
    const sign = (claims: Obj) =>
      new SignJWT(claims).setProtectedHeader({ alg: realm.defaultSignatureAlgorithm, kid: "k1", typ: "JWT" }).setIssuedAt().setExpirationTime(`${realm.accessTokenLifespan}s`).sign(privateKey);

    const claims = accessTokenClaims({ realmRoles: ["tenant-admin"], organizations: ["acme"] });
    const p = await verify(await sign(claims));
    expect(p.tenantId).toBe("acme");
    expect(p.roles.has("tenant-admin")).toBe(true);

    // Without the audience mapper Keycloak would set aud to other clients only: refused.
    const { aud: _aud, ...noAud } = claims;
    await expect(verify(await sign({ ...noAud, aud: ["account"] }))).rejects.toThrow(/invalid bearer token/);
  });
});
