/**
 * The signed-in session: tokens in memory, mirrored to localStorage so a reload or a second
 * tab stays signed in. Refreshes shortly before the access token expires (built-in issuer or
 * the OIDC token endpoint), once at a time; a failed refresh signs out.
 */
export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms when the access token stops working. */
  expiresAt: number;
  /** OIDC only: the id token (for sign-out) and the issuer's token endpoint. */
  idToken?: string;
  tokenEndpoint?: string;
  clientId?: string;
}

const KEY = "pulse.session";
type Listener = (t: Tokens | null) => void;

let current: Tokens | null = load();
let refreshing: Promise<Tokens | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();

function load(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    const t = raw ? (JSON.parse(raw) as Tokens) : null;
    return t && typeof t.accessToken === "string" ? t : null;
  } catch {
    return null;
  }
}

export const session = {
  get: () => current,
  subscribe(fn: Listener): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  set(t: Tokens | null): void {
    current = t;
    if (t) localStorage.setItem(KEY, JSON.stringify(t));
    else localStorage.removeItem(KEY);
    schedule();
    for (const fn of listeners) fn(t);
  },
  /** A valid access token, refreshed first when it is about to expire. */
  async token(): Promise<string | null> {
    if (!current) return null;
    if (current.expiresAt - Date.now() < 30_000) return (await session.refresh())?.accessToken ?? null;
    return current.accessToken;
  },
  /**
   * One refresh at a time in this browser: every caller here waits for the same one, and tabs
   * take turns under a Web Lock, so a refresh token is never spent twice (the server would end
   * the whole sign-in on such a replay).
   */
  refresh(): Promise<Tokens | null> {
    refreshing ??= (navigator.locks ? navigator.locks.request("pulse.session.refresh", doRefresh) : doRefresh()).finally(() => (refreshing = null));
    return refreshing;
  },
};

class RefreshRefused extends Error {}

async function doRefresh(): Promise<Tokens | null> {
  // Another tab may have refreshed while this one waited for the lock: take its tokens.
  const stored = load();
  if (stored && current && stored.refreshToken !== current.refreshToken && stored.expiresAt - Date.now() > 30_000) {
    current = stored;
    schedule();
    for (const fn of listeners) fn(stored);
    return stored;
  }
  const t = current;
  if (!t?.refreshToken) {
    session.set(null);
    return null;
  }
  try {
    const next = t.tokenEndpoint ? await refreshOidc(t) : await refreshBuiltin(t.refreshToken);
    session.set(next);
    return next;
  } catch (err) {
    // Refused: the sign-in is over. Unreachable (a restart, no network): keep it and try again soon.
    if (err instanceof RefreshRefused) session.set(null);
    else {
      clearTimeout(timer);
      timer = setTimeout(() => void session.refresh(), 5_000 + Math.random() * 5_000);
    }
    return null;
  }
}

const refused = (status: number) => status === 400 || status === 401 || status === 403;

async function refreshBuiltin(refreshToken: string): Promise<Tokens> {
  const r = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refreshToken }) });
  if (!r.ok) throw refused(r.status) ? new RefreshRefused(`refresh refused: ${r.status}`) : new Error(`refresh failed: ${r.status}`);
  const b = (await r.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
  return { accessToken: b.accessToken, refreshToken: b.refreshToken, expiresAt: Date.now() + b.expiresIn * 1000 };
}

async function refreshOidc(t: Tokens): Promise<Tokens> {
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: t.refreshToken!, client_id: t.clientId ?? "" });
  const r = await fetch(t.tokenEndpoint!, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  if (!r.ok) throw refused(r.status) ? new RefreshRefused(`refresh refused: ${r.status}`) : new Error(`refresh failed: ${r.status}`);
  const b = (await r.json()) as { access_token: string; refresh_token?: string; expires_in: number; id_token?: string };
  return { ...t, accessToken: b.access_token, refreshToken: b.refresh_token ?? t.refreshToken, expiresAt: Date.now() + b.expires_in * 1000, idToken: b.id_token ?? t.idToken };
}

/** Refreshes in the background at 80% of the token's life, so pages never wait on it. */
function schedule(): void {
  clearTimeout(timer);
  if (!current?.refreshToken) return;
  const life = current.expiresAt - Date.now();
  // Jitter, so tabs that learnt of the same tokens do not all wake at the same instant.
  timer = setTimeout(() => void session.refresh(), Math.max(5_000, life * (0.7 + Math.random() * 0.15)));
}
schedule();

// Another tab signed in, refreshed or signed out.
window.addEventListener("storage", (e: StorageEvent) => {
  if (e.key !== KEY) return;
  current = load();
  schedule();
  for (const fn of listeners) fn(current);
});
