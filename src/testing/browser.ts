/**
 * Headless Chromium for the console's browser tests (Debian's /usr/bin/chromium driven by
 * playwright-core), the console built once per test file into its own directory, and a
 * screenshot of every page a failing step leaves behind (test-artifacts/browser/).
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildWeb } from "../../scripts/build";
import { testSettings } from "../platform/config";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dir, "../../test-artifacts/browser");

/** Chromium is missing: under CI that is a failure, on a laptop the tests skip loudly. */
export const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) {
  const msg = `${CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium) to run the console's browser tests`;
  if (testSettings().ci) throw new Error(msg);
  console.warn(`SKIPPING browser tests: ${msg}`);
}

/** Builds the console into a fresh directory (passed to `pulse up` as PULSE_WEB_DIST). */
export async function buildConsole(): Promise<string> {
  const dir = join(tmpdir(), `pulse-web-${crypto.randomUUID()}`);
  await buildWeb(dir);
  return dir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling Google on this closed network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Runs a step; if it throws, saves a full-page screenshot named after it before rethrowing. */
export async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name.replace(/[^a-z0-9-]+/gi, "-")}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    throw Object.assign(err as Error, { message: `${(err as Error).message}\n(screenshot: ${path})` });
  }
}

/** Collects the page's uncaught errors and console errors, which a test then expects to be none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error: ${m.text()}`);
  });
  return errors;
}

/** Signs in through the console's own form (built-in identity). */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".topbar").waitFor();
}
