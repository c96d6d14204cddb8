/**
 * The frame around every page: navigation for the caller's area (customer or operator), who is
 * signed in, the live-connection indicator, and the routed page with its own loading state.
 */
import { Suspense, useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { isOperator, isTenantUser, useAuth } from "./lib/auth";
import { useLiveStatus } from "./lib/live";
import { preloadAllPages, ROUTES, type Area } from "./routes";
import { Loading } from "./ui/table";
import { PageHeader } from "./ui/layout";
import { ErrorBoundary } from "./ui/error-boundary";

function Nav({ areas, onNavigate }: { areas: Area[]; onNavigate: () => void }) {
  const [location] = useLocation();
  const groups = new Map<string, { path: string; label: string }[]>();
  for (const r of ROUTES) if (r.nav && areas.includes(r.area)) groups.set(r.nav.group, [...(groups.get(r.nav.group) ?? []), { path: r.path, label: r.nav.label }]);
  const active = (path: string) => (path === "/" || path === "/operator" ? location === path : location === path || location.startsWith(path + "/"));
  return (
    <nav className="nav" aria-label="Main">
      {[...groups].map(([group, items]) => (
        <div key={group} className="nav-group">
          <div className="nav-title">{group}</div>
          {items.map((i) => (
            <Link key={i.path} href={i.path} aria-current={active(i.path) ? "page" : undefined} onClick={onNavigate}>
              {i.label}
            </Link>
          ))}
        </div>
      ))}
    </nav>
  );
}

function LiveDot() {
  const s = useLiveStatus();
  const text = s === "live" ? "Live" : s === "connecting" ? "Reconnecting…" : "Not live";
  return (
    <span className={`live live-${s}`} title={text} role="status">
      <span className="dot" aria-hidden /> {text}
    </span>
  );
}

export function Shell() {
  const { me, signOut } = useAuth();
  const [menu, setMenu] = useState(false);
  const queryClient = useQueryClient();
  useEffect(() => preloadAllPages(() => queryClient.isFetching() > 0 || queryClient.isMutating() > 0), [queryClient]);
  const areas: Area[] = [...(isTenantUser(me) ? (["customer"] as const) : []), ...(isOperator(me) ? (["operator"] as const) : [])];
  const home = areas.includes("customer") ? "/" : "/operator";
  return (
    <div className={`shell ${menu ? "menu-open" : ""}`}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="btn btn-ghost menu-toggle" aria-label="Menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
          ☰
        </button>
        <Link href={home} className="brand">
          Pulse
        </Link>
        <span className="muted tenant">{me?.tenantId ? `tenant ${me.tenantId}` : "platform operator"}</span>
        <span className="spacer" />
        {areas.includes("customer") ? <LiveDot /> : null}
        <span className="who" title={me?.roles.join(", ")}>
          {me?.name ?? me?.email ?? me?.subject}
        </span>
        <button type="button" className="btn btn-ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <Nav areas={areas} onNavigate={() => setMenu(false)} />
      <main id="main" className="content" tabIndex={-1}>
        <ErrorBoundary>
          <Suspense fallback={<Loading />}>
            <Switch>
              {ROUTES.filter((r) => areas.includes(r.area)).map((r) => (
                <Route key={r.path} path={r.path} component={r.page} />
              ))}
              {!areas.includes("customer") ? <Route path="/"><Redirect to="/operator" replace /></Route> : null}
              <Route>
                <PageHeader title="Not found" subtitle="There is no page here, or it is not for your role." />
                <Link href={home}>Go home</Link>
              </Route>
            </Switch>
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
