// Signing in (locally and through the fake Google provider), signing out, the settings pages,
// account deletion, and the error pages — each checked by axe and photographed at phone and
// desktop widths.
import { freshPglite } from '../helpers/databases.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext, overflowingElements, screenshot, seriousA11yViolations } from './browser.ts';

const WIDTHS = [360, 1280] as const;

describe.skipIf(!HAS_CHROMIUM)('in a real browser: signing in, settings and error pages', () => {
  let browser: Browser;
  let app: TestApp;
  let google: FakeGoogle;
  let googleApp: TestApp;

  beforeAll(async () => {
    google = await startFakeGoogle({ sub: '2024681', email: 'grace@example.test', name: 'Grace Hopper' });
    [browser, app, googleApp] = await Promise.all([
      sharedBrowser(),
      startTestApp(),
      startTestApp({
        env: {
          GOOGLE_CLIENT_ID: 'browser-client-id',
          GOOGLE_CLIENT_SECRET: 'browser-client-secret',
          GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
          GOOGLE_TOKEN_URL: google.tokenUrl,
          GOOGLE_USERINFO_URL: google.userInfoUrl,
        },
      }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await googleApp?.close();
    await google?.close();
  });

  async function tab(width: number) {
    const context = await newContext(browser, width);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    return { context, page, errors };
  }

  /** Axe finds nothing serious, nothing scrolls sideways, and the page is photographed at this width. */
  async function check(page: Page, name: string, width: number) {
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, `${name}-${width}`);
  }

  it.each(WIDTHS)('signs in locally from the landing page and lands on the dashboard (%i px)', async (width) => {
    const { context, page, errors } = await tab(width);
    await page.goto(app.url);
    await expect(page.getByRole('link', { name: 'Sign in with Google' }).count()).resolves.toBe(0);
    await check(page, 'landing', width);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Local user');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is usable from the keyboard, with a visible focus ring', async () => {
    const { context, page } = await tab(1280);
    await page.goto(app.url);
    const focused = async () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { text: el.textContent?.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
    await page.keyboard.press('Tab');
    const first = await focused();
    expect(first.outline).not.toBe('none');
    expect(first.width).toBeGreaterThan(0);
    // Tab reaches the sign-in button, and Enter uses it.
    for (let i = 0; i < 10 && (await focused()).text !== 'Continue as local user'; i++) await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Continue as local user');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard$/);
    await context.close();
  });

  it('signs in with Google through the provider, comes back to the page it asked for, and signs out', async () => {
    const { context, page, errors } = await tab(1280);
    await page.goto(`${googleApp.url}/settings/keys`);
    await page.waitForURL(`${googleApp.url}/`);
    await expect(page.getByText('Sign in to see that page').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Continue as local user' }).count()).resolves.toBe(0);
    await check(page, 'landing-signed-out', 1280);

    await page.getByRole('link', { name: 'Sign in with Google' }).click();
    await page.waitForURL(`${googleApp.url}/settings/keys`);
    await page.goto(`${googleApp.url}/dashboard`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Grace Hopper');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/\?signed_out=1$/);
    await expect(page.getByText('You have signed out.').isVisible()).resolves.toBe(true);
    await page.goto(`${googleApp.url}/dashboard`);
    await page.waitForURL(`${googleApp.url}/`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it.each(WIDTHS)('shows the settings and keys pages (%i px)', async (width) => {
    const { context, page, errors } = await tab(width);
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${app.url}/settings`);
    await check(page, 'settings', width);
    await page.goto(`${app.url}/settings/keys`);
    await page.locator('#keys-form').waitFor();
    await check(page, 'keys', width);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('saves keys shown only masked, replaces one without retyping the others, and removes them all', async () => {
    const { context, page, errors } = await tab(1280);
    page.on('dialog', (d) => void d.accept());
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${app.url}/settings/keys`);
    const status = (field: string) => page.locator(`#${field}-status`).textContent();

    await page.getByLabel('LiveKit URL').fill('ws://127.0.0.1:7880');
    await page.locator('#livekit_api_key').fill('APIbrowser1234');
    await page.locator('#livekit_api_secret').fill('browser-secret-value-5678');
    await page.getByLabel('Deepgram key (speech-to-text)').fill('dg-browser-key-9876');
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByText('Keys saved.').waitFor();
    await expect(status('livekit_api_key')).resolves.toMatch(/^Set …1234 · saved /);
    await expect(status('livekit_api_secret')).resolves.toMatch(/^Set …5678/);
    await expect(status('deepgram_key')).resolves.toMatch(/^Set …9876/);
    await expect(status('openai_key')).resolves.toBe('Not set');
    // Never shown back: the fields are empty again and the page holds no secret.
    await expect(page.locator('#livekit_api_secret').inputValue()).resolves.toBe('');
    await page.reload();
    // The page's script fills the statuses in once it has read the saved keys.
    await page.locator('#deepgram_key-status', { hasText: /^Set …9876/ }).waitFor();
    const html = await page.content();
    expect(html).not.toContain('browser-secret-value-5678');
    expect(html).not.toContain('dg-browser-key-9876');

    await page.getByLabel('Deepgram key (speech-to-text)').fill('dg-replaced-key-5555');
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.waitForFunction(() => /…5555/.test(document.getElementById('deepgram_key-status')!.textContent!));
    await expect(status('livekit_api_key')).resolves.toMatch(/^Set …1234/);

    await page.getByRole('button', { name: 'Remove all keys' }).click();
    await page.getByText('All keys removed.').waitFor();
    for (const field of ['livekit_url', 'livekit_api_key', 'livekit_api_secret', 'openai_key', 'deepgram_key']) {
      await expect(status(field)).resolves.toBe('Not set');
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('deletes the account only after the confirmation is typed', async () => {
    const { context, page } = await tab(1280);
    await page.goto(googleApp.url);
    await page.getByRole('link', { name: 'Sign in with Google' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${googleApp.url}/settings`);
    const confirmation = (await page.locator('label[for=confirm-delete] strong').textContent())!;

    await page.getByLabel(/to confirm/).fill('not the words');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/\/settings\?confirm=mismatch/);
    await expect(page.locator('#confirm-delete-error').textContent()).resolves.toContain('Nothing was deleted');
    await expect(page.getByLabel(/to confirm/).getAttribute('aria-invalid')).resolves.toBe('true');
    await check(page, 'account-delete-refused', 1280);
    const users = await googleApp.db.query(`select 1 from mockflow.identities where provider = 'google' and subject = '2024681'`);
    expect(users.rows).toHaveLength(1);

    await page.getByLabel(/to confirm/).fill(confirmation);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/\/\?deleted=1$/);
    await expect(page.getByText('Your account and everything in it have been deleted.').isVisible()).resolves.toBe(true);
    const gone = await googleApp.db.query(`select 1 from mockflow.identities where provider = 'google' and subject = '2024681'`);
    expect(gone.rows).toHaveLength(0);
    await context.close();
  });

  it.each(WIDTHS)('shows the not-found page in the same look (%i px)', async (width) => {
    const { context, page } = await tab(width);
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    const response = await page.goto(`${app.url}/no-such-page`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('link', { name: 'Go to your dashboard' }).isVisible()).resolves.toBe(true);
    await check(page, 'not-found', width);
    await context.close();
  });

  it.each(WIDTHS)('shows a plain error page, without internals, when the server fails (%i px)', async (width) => {
    const db = await freshPglite();
    const failing = await startTestApp({ db });
    const { context, page } = await tab(width);
    try {
      await page.goto(failing.url);
      await page.getByRole('button', { name: 'Continue as local user' }).click();
      await page.waitForURL(/\/dashboard$/);
      await db.close(); // every query fails from here on
      const response = await page.goto(`${failing.url}/interviews`);
      expect(response?.status()).toBe(500);
      const body = (await page.locator('main').textContent()) ?? '';
      expect(body).toMatch(/went wrong/i);
      expect(body).not.toMatch(/PGlite|at .*\.ts:\d+|Error:/);
      await check(page, 'server-error', width);
    } finally {
      await context.close();
      await failing.close();
    }
  });
});
