/** The console's entry: query cache, session, routing under /app, live updates. */
import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Route, Router, Switch } from "wouter";
import { ApiError } from "./lib/api";
import { AuthProvider, useAuth } from "./lib/auth";
import { initLive } from "./lib/live";
import { Shell } from "./shell";
import { preloadPage } from "./routes";
import { Loading } from "./ui/table";
import { Toasts } from "./ui/toast";

// Sign-in carries zod; signed-in reloads never need it before the first page.
const SignIn = lazy(() => import("./signin").then((m) => ({ default: m.SignIn })));
const OidcCallback = lazy(() => import("./signin").then((m) => ({ default: m.OidcCallback })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // Client errors (403, 404, 400) will not change by asking again.
      retry: (n, e) => n < 2 && !(e instanceof ApiError && e.status >= 400 && e.status < 500),
      refetchOnWindowFocus: true,
    },
  },
});
initLive(queryClient);

// The page being opened loads while the session is checked, not after.
const firstPage = preloadPage(location.pathname.replace(/^\/app/, "") || "/");

function Gate() {
  const { me, loading } = useAuth();
  const [pageReady, setPageReady] = useState(false);
  useEffect(() => void firstPage.then(() => setPageReady(true)), []);
  if (loading || (me && !pageReady)) return <Loading label="Loading Pulse…" />;
  return me ? <Shell /> : <SignIn />;
}

function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <Router base="/app">
          <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/auth/callback" component={OidcCallback} />
            <Route>
              <Gate />
            </Route>
          </Switch>
          </Suspense>
        </Router>
        <Toasts />
      </AuthProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
