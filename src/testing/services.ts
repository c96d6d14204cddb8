/**
 * Reachability of the services integration tests use. On a laptop without one, its tests are
 * skipped with a loud warning; under CI=true an unreachable service fails the run instead.
 */
import { testSettings } from "../platform/config";

const { ci } = testSettings();

/** Returns null when `check` succeeds, else the reason (after warning, or throwing under CI). */
export async function probe(service: string, url: string, check: () => Promise<void>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (err) {
    const reason = (err as Error).message;
    if (ci) throw new Error(`${service} is required under CI=true but unreachable (${url}): ${reason}`);
    console.warn(`\n!!! SKIPPING ${service} integration tests: ${reason}\n!!! start ${service} or point PULSE_TEST_* at one\n`);
    return reason;
  }
}
