/**
 * A minimal OIDC issuer for tests: discovery document and JWKS over real HTTP on a free port,
 * RSA keys that can be rotated, and a `mint` that signs whatever claims a test needs. It also
 * runs the authorization code flow with PKCE (S256 only) as a browser meets it: /authorize
 * signs in `signInAs` at once and redirects back with a code; /token checks the code's client,
 * redirect URI and verifier before issuing tokens, and refreshes them; /logout redirects back.
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
  /** Claims of whoever /authorize signs in (default: a customer of `acme`). */
  signInAs: JWTPayload;
  /** Token requests the issuer refused, with why (a wrong verifier, a reused code…). */
  refused: string[];
}

const b64url = (b: ArrayBuffer) => Buffer.from(b).toString("base64url");
const CORS = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type" };

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
  idp.signInAs = {};
  idp.refused = [];
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; claims: JWTPayload }>();
  const refreshTokens = new Map<string, JWTPayload>();
  const tokens = async (claims: JWTPayload) => {
    const refresh = crypto.randomUUID();
    refreshTokens.set(refresh, claims);
    return Response.json({ access_token: await idp.mint(claims), token_type: "Bearer", expires_in: 300, refresh_token: refresh, id_token: await idp.mint({ ...claims, aud: "pulse-console" }) }, { headers: CORS });
  };
  const refuse = (why: string) => (idp.refused.push(why), Response.json({ error: "invalid_grant", error_description: why }, { status: 400, headers: CORS }));
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const path = new URL(req.url).pathname;
      if (down) return new Response("down", { status: 503 });
      if (path === "/.well-known/openid-configuration")
        return Response.json(
          { issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks`, authorization_endpoint: `${idp.issuer}/authorize`, token_endpoint: `${idp.issuer}/token`, end_session_endpoint: `${idp.issuer}/logout`, code_challenge_methods_supported: ["S256"] },
          { headers: CORS },
        );
      if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: { ...CORS, "access-control-allow-methods": "GET, POST" } });
      if (path === "/authorize") {
        const q = new URL(req.url).searchParams;
        if (q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) return new Response("expected response_type=code with an S256 code_challenge", { status: 400 });
        const code = crypto.randomUUID();
        codes.set(code, { clientId: q.get("client_id") ?? "", redirectUri: q.get("redirect_uri") ?? "", challenge: q.get("code_challenge")!, claims: { ...idp.signInAs } });
        const back = new URL(q.get("redirect_uri")!);
        back.searchParams.set("code", code);
        back.searchParams.set("state", q.get("state") ?? "");
        return Response.redirect(back.toString(), 302);
      }
      if (path === "/token" && req.method === "POST") {
        const f = new URLSearchParams(await req.text());
        if (f.get("grant_type") === "refresh_token") {
          const claims = refreshTokens.get(f.get("refresh_token") ?? "");
          if (!claims) return refuse("unknown refresh token");
          refreshTokens.delete(f.get("refresh_token")!);
          return tokens(claims);
        }
        const c = codes.get(f.get("code") ?? "");
        codes.delete(f.get("code") ?? "");
        if (!c) return refuse("unknown or used code");
        if (c.clientId !== f.get("client_id") || c.redirectUri !== f.get("redirect_uri")) return refuse("client or redirect_uri differs from /authorize");
        const digest = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(f.get("code_verifier") ?? "")));
        if (digest !== c.challenge) return refuse("code_verifier does not match the code_challenge");
        return tokens(c.claims);
      }
      if (path === "/logout") return Response.redirect(new URL(req.url).searchParams.get("post_logout_redirect_uri") ?? idp.issuer, 302);
      // Keycloak's path too, so a configuration written for Keycloak can point here.
      if (path === "/jwks" || path.endsWith("/protocol/openid-connect/certs")) {
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
