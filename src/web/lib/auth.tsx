/**
 * Who is signed in and how sign-in works here: the built-in identity (email and password) or
 * the install's OIDC issuer (Keycloak, authorization code + PKCE). The principal comes from
 * GET /api/v1/auth/me, i.e. from the verified token, never from anything stored client-side.
 */
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./api";
import { beginSignIn, endSession, type AuthConfig } from "./oidc";
import { session } from "./session";

export type Role = "customer" | "tenant-admin" | "operator" | "operator-admin";
export interface Me {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  tenantId: string | null;
  roles: Role[];
}

interface Auth {
  config: AuthConfig | undefined;
  me: Me | null;
  loading: boolean;
  signIn(email: string, password: string): Promise<void>;
  signInSso(returnTo?: string): Promise<void>;
  signOut(): Promise<void>;
}

const Ctx = createContext<Auth | null>(null);

export const isOperator = (me: Me | null) => !!me?.roles.some((r) => r === "operator" || r === "operator-admin");
export const isTenantUser = (me: Me | null) => !!me?.roles.some((r) => r === "customer" || r === "tenant-admin");
export const canWrite = (me: Me | null) => !!me?.roles.some((r) => r === "tenant-admin" || r === "operator-admin");

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const tokens = useSyncExternalStore(session.subscribe, session.get);
  const config = useQuery({ queryKey: ["auth-config"], queryFn: () => api.get<AuthConfig>("/api/v1/auth/config"), staleTime: Infinity });
  const me = useQuery({ queryKey: ["me", tokens?.accessToken ? "in" : "out"], queryFn: () => api.get<Me>("/api/v1/auth/me"), enabled: !!tokens, staleTime: 5 * 60_000, retry: false });
  const [leaving, setLeaving] = useState(false);

  // Signed out (here, in another tab, or a refresh failed): forget every cached answer.
  useEffect(() => {
    if (!tokens) qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "auth-config" });
  }, [tokens, qc]);

  const value: Auth = {
    config: config.data,
    me: tokens && me.data ? me.data : null,
    loading: config.isPending || (!!tokens && me.isPending) || leaving,
    async signIn(email, password) {
      const r = await api.post<{ accessToken: string; refreshToken: string; expiresIn: number }>("/api/v1/auth/login", { email, password });
      session.set({ accessToken: r.accessToken, refreshToken: r.refreshToken, expiresAt: Date.now() + r.expiresIn * 1000 });
    },
    async signInSso(returnTo = location.pathname + location.search) {
      if (!config.data) throw new Error("sign-in settings are still loading");
      setLeaving(true);
      try {
        await beginSignIn(config.data, returnTo);
      } catch (err) {
        setLeaving(false);
        throw err;
      }
    },
    async signOut() {
      const t = session.get();
      if (t?.refreshToken && !t.tokenEndpoint) await api.post("/api/v1/auth/logout", { refreshToken: t.refreshToken }).catch(() => {});
      session.set(null);
      if (t?.tokenEndpoint && config.data) await endSession(config.data, t.idToken);
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(Ctx);
  if (!a) throw new Error("useAuth outside AuthProvider");
  return a;
}
