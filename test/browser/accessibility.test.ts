// Heading order and field names, which axe rates below "serious" and the page tests do not
// catch: on /interviews the cards' h3 titles come after the h1, and on the keys page two
// different fields must not share the name "API key". Both widths, since the layout differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { localUserId, seedInterview } from '../web/seed.ts';
import { T0 } from '../feedback/fixture.ts';
import { HAS_CHROMIUM, headingJumps, sharedBrowser, newContext, sharedFieldNames } from './browser.ts';

const WIDTHS = [360, 1280] as const;

describe.skipIf(!HAS_CHROMIUM)('in a real browser: heading order and field names', () => {
  let browser: Browser;
  let app: TestApp;

  beforeAll(async () => {
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
    const userId = await localUserId(app.db);
    await seedInterview(app.db, userId, { jobRole: 'Backend Engineer', startedAt: T0, feedback: 3 });
    await seedInterview(app.db, userId, { jobRole: 'Data Analyst', startedAt: T0 + 3_600_000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  async function signedIn(width: number) {
    const context = await newContext(browser, width);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    return { context, page };
  }

  it.each(WIDTHS)('has no skipped heading level on the history, dashboard and keys pages (%i px)', async (width) => {
    const { context, page } = await signedIn(width);
    for (const path of ['/interviews', '/dashboard', '/settings/keys']) {
      await page.goto(`${app.url}${path}`);
      expect(await headingJumps(page), path).toEqual([]);
    }
    await page.goto(`${app.url}/interviews`);
    // The cards are still headings, one level under the list's.
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Data Analyst', 'Backend Engineer']);
    expect(await page.getByRole('list', { name: 'Interviews' }).count()).toBe(1);
    await context.close();
  });

  it.each(WIDTHS)('gives every field on the keys page a name of its own (%i px)', async (width) => {
    const { context, page } = await signedIn(width);
    await page.goto(`${app.url}/settings/keys`);
    expect(await sharedFieldNames(page)).toEqual({});
    expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
    await expect(page.getByLabel('LiveKit API key', { exact: true }).getAttribute('id')).resolves.toBe('livekit_api_key');
    await expect(page.getByLabel('LiveKit API secret', { exact: true }).getAttribute('id')).resolves.toBe('livekit_api_secret');
    await expect(page.getByLabel('Language-model API key', { exact: true }).getAttribute('id')).resolves.toBe('openai_key');
    await context.close();
  });
});
