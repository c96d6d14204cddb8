/**
 * Pulse's own issuer, for installs without Keycloak and for `pulse up`: local users sign in
 * with a password and get a short-lived access token (the same claims Keycloak issues, so one
 * verifier serves both) and a refresh token. Refresh tokens rotate on every use; presenting
 * an already-replaced one revokes that whole sign-in (a stolen token is useless once either
 * party refreshes). Signing keys live in the database so every `serve` replica shares them.
 */
import { createHash, randomBytes } from "node:crypto";
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTVerifyGetKey } from "jose";
import { asWorker, type Sql } from "../platform/db";
import { PulseError } from "../platform/errors";
import { verifyPassword } from "./passwords";
import { touchLogin, userById, userForLogin, type UserRow } from "./users";

export const BUILTIN_ISSUER = "urn:pulse:builtin";

export interface Tokens {
  tokenType: "Bearer";
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface BuiltinOptions {
  audience: string;
  accessTtlSeconds: number;
  sessionTtlSeconds: number;
}

interface KeyRow {
  kid: string;
  alg: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

const digest = (token: string) => createHash("sha256").update(token).digest();
const unauthorized = (detail = "wrong email or password") => new PulseError("UNAUTHORIZED", detail);

export class BuiltinIssuer {
  readonly keys: JWTVerifyGetKey;

  private constructor(
    private readonly sql: Sql,
    private readonly o: BuiltinOptions,
    private readonly signing: { kid: string; alg: string; key: CryptoKey | Uint8Array },
    readonly publicKeys: JWK[],
  ) {
    this.keys = createLocalJWKSet({ keys: publicKeys });
  }

  /** Loads the signing keys, creating the first one if there is none (safe under races). */
  static async open(sql: Sql, o: BuiltinOptions): Promise<BuiltinIssuer> {
    let rows = await loadKeys(sql);
    if (rows.length === 0) {
      const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
      const kid = `k-${randomBytes(8).toString("hex")}`;
      const priv = { ...(await exportJWK(privateKey)), kid, alg: "ES256" };
      const pub = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
      await asWorker(sql, (tx) => tx`
        insert into identity_keys (kid, alg, private_jwk, public_jwk)
        select ${kid}, 'ES256', ${tx.json(priv)}, ${tx.json(pub)}
        where not exists (select from identity_keys where retired_at is null)`);
      rows = await loadKeys(sql);
    }
    const newest = rows[0]!;
    const key = await importJWK(newest.privateJwk, newest.alg);
    return new BuiltinIssuer(sql, o, { kid: newest.kid, alg: newest.alg, key }, rows.map((r) => r.publicJwk));
  }

  async accessToken(user: UserRow): Promise<string> {
    return new SignJWT({
      realm_access: { roles: user.roles },
      ...(user.tenantId ? { tenant_id: user.tenantId, organization: [user.tenantId] } : {}),
      email: user.email,
      name: user.displayName ?? user.email,
    })
      .setProtectedHeader({ alg: this.signing.alg, kid: this.signing.kid, typ: "at+jwt" })
      .setIssuer(BUILTIN_ISSUER)
      .setAudience(this.o.audience)
      .setSubject(user.userId)
      .setIssuedAt()
      .setJti(randomBytes(12).toString("base64url"))
      .setExpirationTime(`${this.o.accessTtlSeconds}s`)
      .sign(this.signing.key);
  }

  async login(email: string, password: string, meta: { ip?: string; userAgent?: string }): Promise<Tokens & { user: UserRow }> {
    const found = await asWorker(this.sql, (tx) => userForLogin(tx, email));
    const ok = await verifyPassword(password, found?.passwordHash);
    if (!found || !ok) throw unauthorized();
    const { passwordHash: _h, ...user } = found;
    await this.assertActive(user);
    const refreshToken = await this.startSession(user.userId, crypto.randomUUID(), meta);
    await asWorker(this.sql, (tx) => touchLogin(tx, user.userId));
    return { ...(await this.tokens(user, refreshToken)), user };
  }

  async refresh(refreshToken: string, meta: { ip?: string; userAgent?: string }): Promise<Tokens> {
    const hash = digest(refreshToken);
    const session = await asWorker(this.sql, async (tx) => {
      const [s] = await tx<{ sessionId: string; familyId: string; userId: string; expired: boolean; replacedAt: Date | null; revokedAt: Date | null }[]>`
        select session_id, family_id, user_id, expires_at < now() as expired, replaced_at, revoked_at
        from user_sessions where token_hash = ${hash} for update`;
      if (!s) return null;
      if (s.replacedAt) {
        await tx`update user_sessions set revoked_at = now() where family_id = ${s.familyId} and revoked_at is null`;
        return null;
      }
      if (s.revokedAt || s.expired) return null;
      await tx`update user_sessions set replaced_at = now() where session_id = ${s.sessionId}`;
      return s;
    });
    if (!session) throw unauthorized("the refresh token is invalid, expired or already used; sign in again");
    const user = await asWorker(this.sql, (tx) => userById(tx, session.userId));
    if (!user) throw unauthorized("the user no longer exists");
    await this.assertActive(user);
    return this.tokens(user, await this.startSession(user.userId, session.familyId, meta));
  }

  async logout(refreshToken: string): Promise<void> {
    await asWorker(this.sql, (tx) => tx`
      update user_sessions set revoked_at = now()
      where family_id = (select family_id from user_sessions where token_hash = ${digest(refreshToken)}) and revoked_at is null`);
  }

  private async assertActive(user: UserRow): Promise<void> {
    if (user.status !== "ACTIVE") throw unauthorized("this user is disabled");
    if (!user.tenantId) return;
    const [t] = await asWorker(this.sql, (tx) => tx<{ status: string }[]>`select status from tenants where tenant_id = ${user.tenantId}`);
    if (t?.status !== "ACTIVE") throw new PulseError("FORBIDDEN", `tenant ${user.tenantId} is not active`);
  }

  private async startSession(userId: string, familyId: string, meta: { ip?: string; userAgent?: string }): Promise<string> {
    const token = `prt_${randomBytes(32).toString("base64url")}`;
    await asWorker(this.sql, (tx) => tx`
      insert into user_sessions (family_id, user_id, token_hash, expires_at, user_agent, ip)
      values (${familyId}, ${userId}, ${digest(token)}, now() + make_interval(secs => ${this.o.sessionTtlSeconds}),
              ${meta.userAgent?.slice(0, 200) ?? null}, ${meta.ip ?? null})`);
    return token;
  }

  private async tokens(user: UserRow, refreshToken: string): Promise<Tokens> {
    return {
      tokenType: "Bearer",
      accessToken: await this.accessToken(user),
      expiresIn: this.o.accessTtlSeconds,
      refreshToken,
      refreshExpiresIn: this.o.sessionTtlSeconds,
    };
  }
}

async function loadKeys(sql: Sql): Promise<KeyRow[]> {
  return asWorker(sql, (tx) => tx<KeyRow[]>`
    select kid, alg, private_jwk, public_jwk from identity_keys
    where retired_at is null or retired_at > now() - interval '1 day'
    order by retired_at nulls first, created_at desc`);
}
