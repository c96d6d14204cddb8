/**
 * Sign-in at an OIDC issuer (Keycloak): authorization code flow with PKCE (S256), state and
 * nonce checked on the way back, tokens from the issuer's token endpoint, sign-out through its
 * end-session endpoint. The verifier and state live in sessionStorage for the round trip only.
 */
import type { Tokens } from "./session";

export interface AuthConfig {
  mode: "builtin" | "oidc";
  issuer: string;
  audience: string;
  clientId?: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

const PENDING = "pulse.oidc.pending";
export const CALLBACK_PATH = "/app/auth/callback";

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = (n = 32) => b64url(crypto.getRandomValues(new Uint8Array(n)));

export async function challengeOf(verifier: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

async function discover(issuer: string): Promise<Discovery> {
  const r = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
  if (!r.ok) throw new Error(`the sign-in service at ${issuer} did not answer (${r.status})`);
  return (await r.json()) as Discovery;
}

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

/** Leaves for the issuer's sign-in page; comes back to CALLBACK_PATH. */
export async function beginSignIn(cfg: AuthConfig, returnTo: string): Promise<void> {
  if (!crypto.subtle) throw new Error("single sign-on needs a secure page: open Pulse over HTTPS");
  const d = await discover(cfg.issuer);
  const verifier = random(48);
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo, tokenEndpoint: d.token_endpoint, clientId: cfg.clientId }));
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: cfg.clientId ?? "pulse-console",
    redirect_uri: redirectUri(),
    scope: "openid profile email",
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  }).toString();
  location.assign(url.toString());
}

/** Completes the round trip: checks state, trades the code and verifier for tokens. */
export async function completeSignIn(search: string): Promise<{ tokens: Tokens; returnTo: string }> {
  const p = new URLSearchParams(search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as { verifier: string; state: string; returnTo: string; tokenEndpoint: string; clientId?: string } | null;
  sessionStorage.removeItem(PENDING);
  if (p.get("error")) throw new Error(`sign-in refused: ${p.get("error_description") ?? p.get("error")}`);
  if (!pending || p.get("state") !== pending.state) throw new Error("this sign-in link is stale or was not started here; sign in again");
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: p.get("code") ?? "",
    redirect_uri: redirectUri(),
    client_id: pending.clientId ?? "pulse-console",
    code_verifier: pending.verifier,
  });
  const r = await fetch(pending.tokenEndpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  if (!r.ok) throw new Error(`the sign-in service refused the code (${r.status})`);
  const t = (await r.json()) as { access_token: string; refresh_token?: string; expires_in: number; id_token?: string };
  return {
    tokens: {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? null,
      expiresAt: Date.now() + t.expires_in * 1000,
      idToken: t.id_token,
      tokenEndpoint: pending.tokenEndpoint,
      clientId: pending.clientId,
    },
    returnTo: pending.returnTo,
  };
}

/** Ends the issuer's session too, when it offers an end-session endpoint. */
export async function endSession(cfg: AuthConfig, idToken?: string): Promise<void> {
  const d = await discover(cfg.issuer).catch(() => null);
  if (!d?.end_session_endpoint) return;
  const url = new URL(d.end_session_endpoint);
  url.search = new URLSearchParams({ post_logout_redirect_uri: `${location.origin}/app/`, client_id: cfg.clientId ?? "pulse-console", ...(idToken ? { id_token_hint: idToken } : {}) }).toString();
  location.assign(url.toString());
}
