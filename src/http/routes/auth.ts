/**
 * Sign-in for the built-in identity (installs without Keycloak, `pulse up`), and what any
 * signed-in caller may ask about itself. With `--oidc-issuer` set, sign-in happens at the
 * issuer and the login endpoints answer 404 with where to go instead.
 */
import { z } from "zod";
import { PulseError } from "../../platform/errors";
import type { BuiltinIssuer } from "../../identity/builtin";
import { ROLES } from "../../identity/schema";
import { route, type ApiDeps } from "../api/route";
import { TenantId, Timestamp, Uuid } from "../api/schemas";

const Tokens = z.object({
  tokenType: z.literal("Bearer"),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number().int(),
});

const Me = z.object({
  issuer: z.string(),
  subject: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  tenantId: TenantId.nullable(),
  roles: z.array(z.enum(ROLES)),
});

const RefreshBody = z.object({ refreshToken: z.string().min(10).max(200) });

function builtin(deps: ApiDeps): BuiltinIssuer {
  if (!deps.identity.builtin) throw new PulseError("NOT_FOUND", "this install signs in through its OIDC issuer; see GET /api/v1/auth/config");
  return deps.identity.builtin;
}

const meta = (c: { req: { header(n: string): string | undefined } }, ip: string | null) => ({ ip: ip ?? undefined, userAgent: c.req.header("user-agent") });

export const authRoutes = [
  route({
    method: "get",
    path: "/api/v1/auth/config",
    summary: "How to sign in: the built-in identity or an OIDC issuer",
    tag: "auth",
    access: "public",
    response: z.object({ mode: z.enum(["builtin", "oidc"]), issuer: z.string(), audience: z.string(), clientId: z.string().describe("the web console's client at the OIDC issuer") }),
    handler: async ({ deps }) => ({ mode: deps.identity.mode, issuer: deps.identity.issuer, audience: deps.identity.audience, clientId: deps.identity.clientId }),
  }),
  route({
    method: "post",
    path: "/api/v1/auth/login",
    summary: "Sign in with email and password (built-in identity)",
    tag: "auth",
    access: "public",
    body: z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) }),
    example: { email: "admin@example.com", password: "correct horse battery staple" },
    response: Tokens.extend({ user: z.object({ userId: Uuid, email: z.string(), tenantId: TenantId.nullable(), roles: z.array(z.enum(ROLES)), lastLoginAt: Timestamp.nullable() }) }),
    handler: async ({ deps, body, c, ip }) => {
      const { user, ...tokens } = await builtin(deps).login(body.email, body.password, meta(c, ip));
      return { ...tokens, user: { userId: user.userId, email: user.email, tenantId: user.tenantId, roles: user.roles, lastLoginAt: user.lastLoginAt } };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/auth/refresh",
    summary: "Trade a refresh token for new tokens (the old refresh token stops working)",
    tag: "auth",
    access: "public",
    body: RefreshBody,
    example: { refreshToken: "prt_Q2hhbmdlIG1lIGJ5IHNpZ25pbmcgaW4" },
    response: Tokens,
    handler: async ({ deps, body, c, ip }) => builtin(deps).refresh(body.refreshToken, meta(c, ip)),
  }),
  route({
    method: "post",
    path: "/api/v1/auth/logout",
    summary: "End a sign-in session (its refresh tokens stop working)",
    tag: "auth",
    access: "public",
    body: RefreshBody,
    example: { refreshToken: "prt_Q2hhbmdlIG1lIGJ5IHNpZ25pbmcgaW4" },
    status: 204,
    handler: async ({ deps, body }) => {
      await builtin(deps).logout(body.refreshToken);
    },
  }),
  route({
    method: "get",
    path: "/api/v1/auth/jwks.json",
    summary: "Public keys of the built-in issuer",
    tag: "auth",
    access: "public",
    response: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
    handler: async ({ deps }) => ({ keys: builtin(deps).publicKeys as Record<string, unknown>[] }),
  }),
  route({
    method: "get",
    path: "/api/v1/auth/me",
    summary: "The caller, as the verified token describes it",
    tag: "auth",
    access: "user",
    response: Me,
    handler: async ({ principal }) => ({ ...principal!, roles: [...principal!.roles] }),
  }),
];

