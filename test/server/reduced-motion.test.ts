// The busy spinners are ::before pseudo-elements: "reduce motion" must stop them too, not only
// elements. Checked in a real browser with the stylesheets the server sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { HAS_CHROMIUM, sharedBrowser, newContext } from '../browser/browser.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

describe.skipIf(!HAS_CHROMIUM)('reduced motion, in a real browser', () => {
  let browser: Browser;
  let app: TestApp;

  beforeAll(async () => {
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The animation of each spinner (and the typing dots) on a page with app.css and room.css. */
  async function animations(page: Page) {
    await page.goto(app.url);
    await page.evaluate(async () => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = '/static/css/room.css';
      const loaded = new Promise((resolve, reject) => {
        link.onload = resolve;
        link.onerror = reject;
      });
      document.head.append(link);
      await loaded;
      const main = document.querySelector('main') ?? document.body;
      main.insertAdjacentHTML(
        'beforeend',
        `<p class="status" id="status" data-state="busy">Saving</p>
         <div data-state="busy"><p class="result" id="result">Testing</p></div>
         <p class="call-status" id="call" data-state="busy">Connecting</p>
         <p class="typing" id="typing" data-state="busy">Alex is typing</p>`,
      );
    });
    return page.evaluate(() => {
      const pseudo = (id: string, which: '::before' | '::after') => getComputedStyle(document.getElementById(id)!, which).animationName;
      return { status: pseudo('status', '::before'), result: pseudo('result', '::before'), call: pseudo('call', '::before'), typing: pseudo('typing', '::after') };
    });
  }

  it('spins the busy indicators normally, and stops every one of them when the user asks for less motion', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      expect(await animations(page)).toEqual({ status: 'spin', result: 'spin', call: 'spin', typing: 'dots' });

      await page.emulateMedia({ reducedMotion: 'reduce' });
      expect(await animations(page)).toEqual({ status: 'none', result: 'none', call: 'none', typing: 'none' });
    } finally {
      await context.close();
    }
  });
});
