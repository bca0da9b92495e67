// Settings → Keys as a candidate uses it, at a phone's 360×740 and a laptop's 1280×800: the key
// test's results come into view, a fixed problem's message goes away, the last results stay after
// a reload, a custom model name survives switching provider and back, and an OpenAI voice that
// cannot speak with the saved keys is said when saving and on the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { LLM_KEY } from '../interviews/helpers.ts';
import { HAS_CHROMIUM, sharedBrowser, overflowingElements, screenshot, seriousA11yViolations } from './browser.ts';
import { signedInWithTextKeys } from './text-interview.ts';

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
] as const;

describe.skipIf(!HAS_CHROMIUM)('in a real browser: the keys page', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;

  beforeAll(async () => {
    llm = await startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: () => 'Hello.' });
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
  });

  async function keysPage(viewport: (typeof VIEWPORTS)[number]): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await signedInWithTextKeys(context, app.url, llm.url);
    // One local user for every test here: each starts with only the model key, never tested.
    await app.db.query(`update public.user_api_keys set key_tests = '{}', livekit_url = null, livekit_api_key = null, livekit_api_secret = null, deepgram_key = null`);
    await page.goto(`${app.url}/settings/keys`);
    await page.waitForFunction(() => /^Set /.test(document.getElementById('openai_key-status')!.textContent!));
    return page;
  }

  const resultOf = (page: Page, provider: string) => page.locator(`#test-results li[data-provider="${provider}"] .result`).textContent();

  /** The element's top is inside the viewport: the candidate sees it without scrolling. */
  async function inView(page: Page, selector: string): Promise<boolean> {
    return page.locator(selector).evaluate((el) => {
      const top = el.getBoundingClientRect().top;
      return top >= 0 && top < window.innerHeight;
    });
  }

  it.each(VIEWPORTS)('at $width×$height: the key test comes into view, its results stay after a reload', async (viewport) => {
    const page = await keysPage(viewport);
    expect(await inView(page, '#test-heading')).toBe(false);
    await expect(resultOf(page, 'llm')).resolves.toBe('Not tested yet');

    // A problem found before anything is sent, then fixed: its message does not stay.
    await page.locator('#llm_base_url').fill('');
    await page.getByRole('button', { name: 'Test keys' }).click();
    await expect(page.locator('#form-status').textContent()).resolves.toBe('Some fields need attention.');
    await page.locator('#llm_base_url').fill(llm.url);
    await page.getByRole('button', { name: 'Test keys' }).click();
    await page.waitForFunction(() => /^Key test done/.test(document.getElementById('form-status')!.textContent!));
    await expect(page.locator('#form-status').textContent()).resolves.not.toContain('need attention');
    await expect(resultOf(page, 'llm')).resolves.toMatch(/^Works: /);
    await expect(resultOf(page, 'livekit')).resolves.toBe('Not set');
    expect(await inView(page, '#test-heading')).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, `keys-tested-${viewport.width}`);

    // The saved keys were tested as saved: the result is kept, with when.
    await page.reload();
    await page.waitForFunction(() => /tested /.test(document.querySelector('#test-results li[data-provider="llm"] .result')!.textContent!));
    await expect(resultOf(page, 'llm')).resolves.toMatch(/^Works: .* · tested /);
    await expect(resultOf(page, 'deepgram')).resolves.toBe('Not tested yet');
    await page.context().close();
  });

  it('keeps a custom model name when the provider is switched away and back', async () => {
    const page = await keysPage(VIEWPORTS[1]);
    const provider = page.locator('#llm_provider');
    const model = page.locator('#llm_model');
    await expect(provider.inputValue()).resolves.toBe('custom');
    await model.fill('my-finetuned-model');
    await provider.selectOption('groq');
    const groqDefault = await page.locator('#llm_provider option[value="groq"]').getAttribute('data-model');
    await expect(model.inputValue()).resolves.toBe(groqDefault);
    await provider.selectOption('custom');
    await expect(model.inputValue()).resolves.toBe('my-finetuned-model');
    await expect(page.locator('#llm_base_url').inputValue()).resolves.toBe(llm.url);
    await page.context().close();
  });

  it('says when saving, and on the dashboard, that the OpenAI voice cannot speak with another provider\'s key', async () => {
    const page = await keysPage(VIEWPORTS[0]);
    await page.locator('#livekit_url').fill('ws://127.0.0.1:9');
    await page.locator('#livekit_api_key').fill('APIkeyspage123');
    await page.locator('#livekit_api_secret').fill('keys-page-secret-0123456789');
    await page.locator('#deepgram_key').fill('dg-keys-page-1234');
    await page.locator('input[name="tts_provider"][value="openai"]').check();
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.waitForFunction(() => /^Keys saved/.test(document.getElementById('form-status')!.textContent!));
    await expect(page.locator('#form-status').textContent()).resolves.toBe('Keys saved, but voice interviews cannot start yet: see Speech.');
    const warning = page.locator('#voice-warning');
    await expect(warning.isVisible()).resolves.toBe(true);
    await expect(warning.textContent()).resolves.toContain("The OpenAI voice needs an OpenAI key, and the language-model key is another provider's: add a speech key");

    await page.goto(`${app.url}/dashboard`);
    await expect(page.locator('.readiness').textContent()).resolves.toMatch(/Voice interviews: need a speech key for the OpenAI voice/);

    // The Deepgram voice needs nothing more: the warning goes.
    await page.goto(`${app.url}/settings/keys`);
    await page.locator('input[name="tts_provider"][value="deepgram"]').check();
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByText('Keys saved.', { exact: true }).waitFor();
    await expect(warning.isVisible()).resolves.toBe(false);
    await page.goto(`${app.url}/dashboard`);
    await expect(page.locator('.readiness').textContent()).resolves.toMatch(/Voice interviews: ready/);
    await page.context().close();
  });
});
