/** The sign-in page (built-in identity or single sign-on) and the OIDC return page. */
import { useEffect, useState } from "react";
import { z } from "zod";
import { useLocation } from "wouter";
import { useAuth } from "./lib/auth";
import { errorMessage } from "./lib/api";
import { useForm } from "./lib/form";
import { completeSignIn } from "./lib/oidc";
import { session } from "./lib/session";
import { Button, TextField } from "./ui/controls";
import { Loading } from "./ui/table";

// The same limits as POST /api/v1/auth/login.
const Login = z.object({ email: z.string().min(3, { error: "enter your email" }).max(320), password: z.string().min(1, { error: "enter your password" }).max(1024) });

export function SignIn() {
  const { config, signIn, signInSso } = useAuth();
  const [ssoError, setSsoError] = useState<string | null>(null);
  const form = useForm({ email: "", password: "" }, Login, (v) => signIn(v.email, v.password));
  useEffect(() => void (document.title = "Sign in · Pulse"), []);
  if (!config) return <Loading label="Loading sign-in…" />;
  return (
    <main className="signin" id="main">
      <div className="signin-card card">
        <h1>Sign in to Pulse</h1>
        {config.mode === "oidc" ? (
          <>
            <p className="muted">This installation signs in through {new URL(config.issuer).host}.</p>
            <Button variant="primary" onClick={() => signInSso().catch((e) => setSsoError(errorMessage(e)))}>
              Sign in with single sign-on
            </Button>
            {ssoError ? <div className="form-error" role="alert">{ssoError}</div> : null}
          </>
        ) : (
          <form onSubmit={(e) => void form.submit(e)} noValidate>
            <TextField label="Email" type="email" autoComplete="username" autoFocus value={form.values.email} onChange={(v) => form.set("email", v)} error={form.errors.email} />
            <TextField label="Password" type="password" autoComplete="current-password" value={form.values.password} onChange={(v) => form.set("password", v)} error={form.errors.password} />
            {form.formError && !Object.keys(form.errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
            <Button type="submit" variant="primary" busy={form.busy}>
              Sign in
            </Button>
          </form>
        )}
      </div>
    </main>
  );
}

export function OidcCallback() {
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    completeSignIn(location.search).then(
      ({ tokens, returnTo }) => {
        session.set(tokens);
        const path = returnTo.startsWith("/app") ? returnTo.slice(4) || "/" : "/";
        navigate(path.startsWith("/auth/") ? "/" : path, { replace: true });
      },
      (e) => setError(errorMessage(e)),
    );
  }, [navigate]);
  return error ? (
    <main className="signin" id="main">
      <div className="signin-card card" role="alert">
        <h1>Sign-in failed</h1>
        <p>{error}</p>
        <a href="/app/">Back to sign-in</a>
      </div>
    </main>
  ) : (
    <Loading label="Finishing sign-in…" />
  );
}
