// The keys page in a real browser: what it refuses before sending, and how "Test keys" shows
// each provider's result. (Saving, masking and removing: test/browser/pages.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from '../fakes/openai-speech.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext } from '../browser/browser.ts';

const DG_KEY = 'dg-page-test-key-2468';
const TTS_KEY = 'sk-page-speech-key-1122';

describe.skipIf(!HAS_CHROMIUM)('in a real browser: the keys page', () => {
  let browser: Browser;
  let app: TestApp;
  let deepgram: FakeDeepgram;
  let speech: FakeOpenAISpeech;

  beforeAll(async () => {
    deepgram = await startFakeDeepgram({ apiKey: DG_KEY });
    speech = await startFakeOpenAISpeech({ apiKey: TTS_KEY });
    [browser, app] = await Promise.all([
      sharedBrowser(),
      startTestApp({ env: { DEEPGRAM_API_URL: deepgram.url }, keyCheckTimeoutMs: 3_000 }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await deepgram?.close();
    await speech?.close();
  });

  /** A signed-in tab on /settings/keys that records the API calls it makes and any page error. */
  async function keysPage() {
    const context = await newContext(browser, 1280);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    const calls: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => r.url().includes('/api/keys') && calls.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${app.url}/settings/keys`);
    await page.waitForFunction(() => document.getElementById('openai_key-status')!.textContent !== '');
    return { context, page, errors, calls };
  }

  const result = (page: Page, provider: string) => page.locator(`#test-results li[data-provider="${provider}"] .result`).textContent();

  it('refuses "Other" with no base URL inline, for saving and for testing, and sends nothing', async () => {
    const { context, page, errors, calls } = await keysPage();
    await page.locator('#llm_provider').selectOption('custom');
    await page.locator('#openai_key').fill('sk-page-test-key-1357');
    const sent = calls.length;

    await page.getByRole('button', { name: 'Save keys' }).click();
    const message = 'Enter the base URL of your OpenAI-compatible endpoint, e.g. https://api.example.com/v1';
    await expect(page.locator('#llm_base_url-error').textContent()).resolves.toBe(message);
    await expect(page.locator('#llm_base_url').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('llm_base_url');

    await page.getByRole('button', { name: 'Test keys' }).click();
    await expect(result(page, 'llm')).resolves.toBe(`Not tested: ${message}`);
    await expect(result(page, 'livekit')).resolves.toBe('Not tested: fix the fields marked above first');
    expect(calls.slice(sent)).toEqual([]);

    // Nothing was saved: the provider is still OpenAI after a reload.
    await page.reload();
    await page.waitForFunction(() => document.getElementById('openai_key-status')!.textContent !== '');
    await expect(page.locator('#llm_provider').inputValue()).resolves.toBe('openai');
    await expect(page.locator('#openai_key-status').textContent()).resolves.toBe('Not set');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows each provider\'s own result when a LiveKit host cannot be found', async () => {
    const { context, page, errors } = await keysPage();
    await page.getByLabel('LiveKit URL').fill('wss://livekit.mockflow-page.invalid');
    await page.locator('#livekit_api_key').fill('APIpage1234');
    await page.locator('#livekit_api_secret').fill('page-secret-value-5678');
    await page.getByLabel('Deepgram key (speech-to-text)').fill(DG_KEY);
    await page.getByRole('button', { name: 'Test keys' }).click();
    await page.waitForFunction(() => document.querySelector('#test-results li[data-provider="deepgram"]')!.getAttribute('data-state') !== 'busy');

    await expect(result(page, 'livekit')).resolves.toMatch(
      /^Does not work: cannot reach wss:\/\/livekit\.mockflow-page\.invalid \(the host name was not found\) \(\d+ ms\)$/,
    );
    await expect(result(page, 'deepgram')).resolves.toMatch(/^Works: Deepgram accepted the key \(\d+ ms\)$/);
    await expect(result(page, 'llm')).resolves.toBe('Not set');
    await expect(page.locator('#form-status').textContent()).resolves.not.toMatch(/need attention/);
    await expect(page.locator('#livekit_url-error').textContent()).resolves.toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('when the server refuses a field, says which provider was not tested because of it', async () => {
    const { context, page, errors } = await keysPage();
    await page.getByLabel('LiveKit URL').fill('ftp://livekit.example.com');
    await page.getByLabel('Deepgram key (speech-to-text)').fill(DG_KEY);
    await page.getByRole('button', { name: 'Test keys' }).click();
    await page.waitForFunction(() => document.getElementById('livekit_url-error')!.textContent !== '');
    const why = 'LiveKit URL must start with wss://, https://, ws:// or http://';
    await expect(page.locator('#livekit_url-error').textContent()).resolves.toBe(why);
    await expect(result(page, 'livekit')).resolves.toBe(`Not tested: ${why}`);
    await expect(result(page, 'deepgram')).resolves.toBe('Not tested: fix the fields marked above first');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps the speech endpoints with the other settings: shown for the OpenAI voice, saved, tested, cleared', async () => {
    const { context, page, errors } = await keysPage();
    const speechFields = page.locator('#openai-voice-fields');
    const speechRow = page.locator('#test-results li[data-provider="speech"]');
    await page.getByRole('radio', { name: /OpenAI, or your own/ }).check();
    await expect(speechFields.isVisible()).resolves.toBe(true);
    await expect(page.locator('#tts_model').getAttribute('placeholder')).resolves.toBe('gpt-4o-mini-tts');
    await expect(page.locator('#tts_model-hint').textContent()).resolves.toContain('tts-1 on your own server');
    await expect(page.locator('#deepgram_base_url').getAttribute('placeholder')).resolves.toBe('https://api.deepgram.com');

    await page.getByLabel('Deepgram key (speech-to-text)').fill(DG_KEY);
    await page.getByLabel('Deepgram base URL (optional)').fill(deepgram.url);
    await page.getByLabel('Speech base URL (optional)').fill(speech.url);
    await page.getByLabel('Voice', { exact: true }).fill('nova');
    await page.getByLabel('Speech key (optional)').fill(TTS_KEY);
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByText('Keys saved.').waitFor();
    await expect(page.locator('#tts_key-status').textContent()).resolves.toMatch(/^Set …1122 · saved /);
    await expect(page.locator('#tts_key').inputValue()).resolves.toBe('');

    await page.reload();
    await page.waitForFunction(() => document.getElementById('tts_key-status')!.textContent !== '');
    await expect(page.locator('#deepgram_base_url').inputValue()).resolves.toBe(deepgram.url);
    await expect(page.locator('#tts_base_url').inputValue()).resolves.toBe(speech.url);
    await expect(page.locator('#tts_voice').inputValue()).resolves.toBe('nova');
    await expect(page.locator('#tts_model').inputValue()).resolves.toBe('');

    await page.getByRole('button', { name: 'Test keys' }).click();
    await page.waitForFunction(() => !document.querySelector('#test-results li[data-state=busy]'));
    await expect(result(page, 'deepgram')).resolves.toMatch(/^Works: Deepgram accepted the key \(\d+ ms\)$/);
    await expect(result(page, 'speech')).resolves.toMatch(/^Works: 127\.0\.0\.1:\d+ accepted the speech key and spoke a test word \(voice nova, model tts-1\) \(\d+ ms\)$/);
    expect(speech.requests.at(-1)).toMatchObject({ path: '/v1/audio/speech', authorized: true, voice: 'nova' });

    // A malformed URL is refused inline by the server, for its own provider's test.
    await page.getByLabel('Speech base URL (optional)').fill('ftp://speech.example.com/v1');
    await page.getByRole('button', { name: 'Test keys' }).click();
    await page.waitForFunction(() => document.getElementById('tts_base_url-error')!.textContent !== '');
    await expect(result(page, 'speech')).resolves.toBe('Not tested: Speech base URL must start with https:// or http://');

    // The Deepgram voice needs none of it: the fields and their test are hidden, and not sent.
    await page.getByRole('radio', { name: /^Deepgram \(uses/ }).check();
    await expect(speechFields.isVisible()).resolves.toBe(false);
    await expect(speechRow.isVisible()).resolves.toBe(false);
    // An emptied field clears its setting.
    await page.getByLabel('Deepgram base URL (optional)').fill('');
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByText('Keys saved.').waitFor();
    await page.reload();
    await page.waitForFunction(() => document.getElementById('tts_key-status')!.textContent !== '');
    await expect(speechFields.isVisible()).resolves.toBe(false);
    await expect(page.locator('#deepgram_base_url').inputValue()).resolves.toBe('');
    // The speech server is kept for when the OpenAI voice is chosen again.
    await page.getByRole('radio', { name: /OpenAI, or your own/ }).check();
    await expect(page.locator('#tts_base_url').inputValue()).resolves.toBe(speech.url);
    await expect(page.locator('#tts_key-status').textContent()).resolves.toMatch(/^Set …1122/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
