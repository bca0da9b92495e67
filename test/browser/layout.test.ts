// Layout at a phone's 360×740: the landing page's sign-in is on the first screen, the header is
// laid out the same on every page (long or short), and the keys page's provider list is not cut off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { HAS_CHROMIUM, sharedBrowser, screenshot } from './browser.ts';

const PHONE = { width: 360, height: 740 };

describe.skipIf(!HAS_CHROMIUM)('in a real browser: layout on a phone', () => {
  let browser: Browser;
  let app: TestApp;

  beforeAll(async () => {
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  it('shows the sign-in button on the landing page\'s first screen', async () => {
    const page = await phone();
    await page.goto(app.url);
    const box = await page.getByRole('button', { name: 'Continue as local user' }).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE.height);
    await screenshot(page, 'landing-first-screen-360');
    await page.context().close();
  });

  it('lays the header out the same on every signed-in page', async () => {
    const page = await phone();
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    const layouts: Record<string, string> = {};
    for (const path of ['/dashboard', '/interviews', '/interviews/new', '/settings/keys', '/settings']) {
      await page.goto(`${app.url}${path}`);
      layouts[path] = await page.locator('.site-header').evaluate((header) => {
        const boxes = Array.from(header.querySelectorAll('.brand, .site-nav > *')).map((el) => {
          const r = el.getBoundingClientRect();
          return `${Math.round(r.x)},${Math.round(r.y)},${Math.round(r.width)}`;
        });
        return `${Math.round(header.getBoundingClientRect().height)} ${boxes.join(' ')}`;
      });
    }
    expect(new Set(Object.values(layouts)).size, JSON.stringify(layouts, null, 1)).toBe(1);
    await screenshot(page, 'header-settings-360');
    await page.context().close();
  });

  it('shows the whole provider list on the keys page', async () => {
    const page = await phone();
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${app.url}/settings/keys`);
    const select = page.locator('#llm_provider');
    await select.selectOption('custom');
    const fit = await select.evaluate((el: HTMLSelectElement) => {
      const r = el.getBoundingClientRect();
      // The chosen option's text, measured in the select's font, fits inside the select.
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(el).font;
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = el.selectedOptions[0]!.textContent;
      document.body.append(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      return { right: r.right, viewport: window.innerWidth, text, inner: el.clientWidth };
    });
    expect(fit.right).toBeLessThanOrEqual(fit.viewport);
    expect(fit.text, JSON.stringify(fit)).toBeLessThan(fit.inner - 24);
    await screenshot(page, 'keys-provider-360');
    await page.context().close();
  });
});
