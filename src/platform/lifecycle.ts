/**
 * Process lifecycle: the first SIGTERM/SIGINT aborts `signal` so work stops pulling and
 * drains; a second one forces exit 130. Cleanups registered with `defer` run last-in-first-out
 * when the runtime is disposed.
 */
import type { Logger } from "./log";

type Cleanup = () => unknown;

export interface Lifecycle extends AsyncDisposable {
  readonly signal: AbortSignal;
  defer(fn: Cleanup): void;
  /** Begins a graceful stop, as the first signal would. */
  stop(reason: string): void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

export function createLifecycle(log: Logger, exit: (code: number) => never = process.exit): Lifecycle {
  const controller = new AbortController();
  const cleanups: Cleanup[] = [];
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn("second signal, exiting now", { signal: sig });
      exit(130);
    }
    log.info("shutting down", { signal: sig });
    controller.abort(new Error(`received ${sig}`));
  };
  for (const s of SIGNALS) process.on(s, onSignal);

  return {
    signal: controller.signal,
    defer: (fn) => void cleanups.push(fn),
    stop: (reason) => {
      if (!controller.signal.aborted) controller.abort(new Error(reason));
    },
    async [Symbol.asyncDispose]() {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          log.warn("cleanup failed", { err });
        }
      }
      cleanups.length = 0;
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}
