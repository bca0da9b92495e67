import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { HAS_CHROMIUM, launchBrowser, newContext, screenshot, seriousA11yViolations } from './browser.ts';

describe.skipIf(!HAS_CHROMIUM)('in a real browser: signing in', () => {
  let browser: Browser;
  let app: TestApp;
  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startTestApp();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs in locally from the landing page and lands on the dashboard', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(app.url);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'landing-1280');
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Local user');
    expect(errors).toEqual([]);
    await context.close();
  });
});
