/**
 * A minimal OIDC issuer for tests: discovery document and JWKS over real HTTP on a free port,
 * RSA keys that can be rotated, and a `mint` that signs whatever claims a test needs.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";

export interface TestIdp extends AsyncDisposable {
  issuer: string;
  audience: string;
  /** A signed access token; `claims` override the defaults (valid customer of `acme`). */
  mint(claims?: JWTPayload, o?: { kid?: string; expiresIn?: string; key?: CryptoKey }): Promise<string>;
  /** A new signing key; the JWKS now serves it (and keeps the old one unless `drop`). */
  rotate(o?: { drop?: boolean }): Promise<string>;
  /** Stops answering JWKS requests (the issuer is down) or resumes. */
  setDown(down: boolean): void;
  publicPem(): Promise<string>;
  jwksRequests: number;
}

export async function startIdp(audience = "pulse-api"): Promise<TestIdp> {
  const keys: { kid: string; privateKey: CryptoKey; publicKey: CryptoKey }[] = [];
  let down = false;
  const addKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = `kid-${keys.length + 1}`;
    keys.unshift({ kid, privateKey, publicKey });
    return kid;
  };
  await addKey();
  const idp = {} as TestIdp;
  idp.jwksRequests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const path = new URL(req.url).pathname;
      if (down) return new Response("down", { status: 503 });
      if (path === "/.well-known/openid-configuration") return Response.json({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` });
      if (path === "/jwks") {
        idp.jwksRequests++;
        return Response.json({ keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: "RS256", use: "sig" }))) });
      }
      return new Response("not found", { status: 404 });
    },
  });
  Object.assign(idp, {
    issuer: `http://127.0.0.1:${server.port}`,
    audience,
    mint: async (claims: JWTPayload = {}, o: { kid?: string; expiresIn?: string; key?: CryptoKey } = {}) => {
      const k = keys.find((x) => x.kid === (o.kid ?? keys[0]!.kid)) ?? keys[0]!;
      const jwt = new SignJWT({ realm_access: { roles: ["customer"] }, organization: { acme: { id: "x" } }, sub: "user-1", ...claims })
        .setProtectedHeader({ alg: "RS256", kid: o.kid ?? k.kid, typ: "JWT" })
        .setIssuer(typeof claims.iss === "string" ? claims.iss : idp.issuer)
        .setAudience(claims.aud ?? audience)
        .setIssuedAt();
      if (claims.exp === undefined) jwt.setExpirationTime(o.expiresIn ?? "5m");
      return jwt.sign(o.key ?? k.privateKey);
    },
    rotate: async (o: { drop?: boolean } = {}) => {
      const kid = await addKey();
      if (o.drop) keys.splice(1);
      return kid;
    },
    setDown: (d: boolean) => (down = d),
    publicPem: async () => {
      const { exportSPKI } = await import("jose");
      return exportSPKI(keys[0]!.publicKey);
    },
    [Symbol.asyncDispose]: async () => void (await server.stop(true)),
  });
  return idp;
}
