// Headless Chromium (Debian's packages) driven by playwright-core, for the browser tests.
// Never downloads a browser: without one the tests skip with a printed reason (.ci/run installs both).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../server/paths.ts';

/** The full browser, as a candidate runs it: the voice room (its audio service, WebRTC) runs in it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * The page tests' browser: Chromium's headless shell (Debian's chromium-headless-shell, what
 * Playwright itself runs headless), the same Blink without the full browser around it. The page
 * tests took 116 s of CPU in the full browser and 41 s in the shell (README, The test suite).
 * Where it is not installed they run in the full browser.
 */
export const HEADLESS_SHELL_PATH = process.env.CHROMIUM_HEADLESS_SHELL_PATH ?? '/usr/bin/chromium-headless-shell';
const PAGES_BROWSER_PATH = existsSync(HEADLESS_SHELL_PATH) ? HEADLESS_SHELL_PATH : CHROMIUM_PATH;
export const HAS_CHROMIUM = existsSync(PAGES_BROWSER_PATH);
if (!HAS_CHROMIUM) {
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM_PATH} or ${HEADLESS_SHELL_PATH} (apt-get install chromium-headless-shell, or set CHROMIUM_HEADLESS_SHELL_PATH).`);
} else if (PAGES_BROWSER_PATH !== HEADLESS_SHELL_PATH) {
  console.warn(`Browser tests run in the full Chromium, at about twice the CPU: no headless shell at ${HEADLESS_SHELL_PATH} (apt-get install chromium-headless-shell).`);
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

/**
 * The full Chromium (the voice room's browser). Playwright's launch() gives every browser a fresh
 * temporary profile (--user-data-dir).
 */
export async function launchBrowser(extraFlags: string[] = [], executablePath = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...FLAGS, ...extraFlags] });
}

let shared: Promise<Browser> | undefined;

/**
 * One Chromium for all the files a test worker runs (they share modules: isolate is off), since
 * a launch costs about a second of CPU. Each test makes and closes its own context; nobody closes
 * this browser: Playwright ends it when the worker exits.
 */
export function sharedBrowser(): Promise<Browser> {
  shared ??= launchBrowser([], PAGES_BROWSER_PATH).then((browser) => {
    browser.once('disconnected', () => (shared = undefined));
    return browser;
  });
  return shared;
}

export async function newContext(browser: Browser, width = 1280): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height: width < 500 ? 740 : 900 } });
}

/** Saves keys as the signed-in user of `page` (on any page that has the CSRF token), as the keys page would. */
export async function saveKeysInPage(page: Page, keys: Record<string, string>): Promise<void> {
  const status = await page.evaluate(async (body) => {
    const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
    const reply = await fetch('/api/keys', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(body) });
    return reply.status;
  }, keys);
  if (status !== 200) throw new Error(`saving keys answered ${status}`);
}

export const RESULTS_DIR = join(ROOT, 'test-results');

/** Saves a full-page screenshot under test-results/ (git-ignored) as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page (injected through the DevTools protocol, so the CSP does not apply). */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Elements that stick out past the right edge of the viewport (the page would scroll sideways). */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = Array.from(document.querySelectorAll('body *')).filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > width + 0.5 && getComputedStyle(el).position !== 'fixed';
    });
    const described = wide.map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
    if (document.documentElement.scrollWidth > width) described.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    return described;
  });
}

/** Headings that skip a level after the one before them (h1 → h3), in document order, hidden ones included. */
export async function headingJumps(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const jumps: string[] = [];
    let previous = 0;
    for (const h of Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))) {
      const level = Number(h.tagName[1]);
      if (level > previous + 1) jumps.push(`h${previous} → h${level} "${h.textContent?.trim()}"`);
      previous = level;
    }
    return jumps;
  });
}

/** Accessible names that more than one form field has, with how many share each. */
export async function sharedFieldNames(page: Page): Promise<Record<string, number>> {
  const names = await page.locator('input:not([type=hidden]), select, textarea').evaluateAll((fields) =>
    fields.map((f) => {
      const el = f as HTMLInputElement;
      const labelledBy = el.getAttribute('aria-labelledby');
      if (labelledBy) return labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent?.trim() ?? '').join(' ');
      return (el.getAttribute('aria-label') ?? Array.from(el.labels ?? []).map((l) => l.textContent?.trim()).join(' ')).trim();
    }),
  );
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 1));
}
