// The interviewer's goodbye in a real browser, at 1280 and 360 px: the candidate stays on it until
// they go, it tells the truth about feedback, and feedback is written as soon as the interview
// ends unless the candidate turned that off in Settings.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { WorkerPool } from '../../server/workers/pool.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';
import { startInterviewModel } from '../interviews/helpers.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext } from './browser.ts';
import { ROOM_URL, signedInWithTextKeys, startTextInterview } from './text-interview.ts';

const GOODBYE_AGENT = { path: fileURLToPath(new URL('./fixtures/goodbye-agent.mjs', import.meta.url)), execArgv: [] };

describe.skipIf(!HAS_CHROMIUM)('in a real browser: the goodbye', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;

  beforeAll(async () => {
    llm = await startInterviewModel();
    const pool = new WorkerPool({ max: 2, heapMb: 64, readyTimeoutMs: 30_000, warmSpare: false, logger: captureLogs().logger, entry: GOODBYE_AGENT });
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp({ pool })]);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
  });

  async function interviewToTheEnd(page: Page): Promise<string> {
    const id = await startTextInterview(page, app.url);
    for (let i = 1; i <= 3; i++) {
      await page.waitForFunction((n) => document.querySelectorAll('#chat .from-interviewer').length >= n, i);
      await page.getByLabel('Your answer').fill(`Answer number ${i} about the billing queue.`);
      await page.getByRole('button', { name: 'Send' }).click();
    }
    return id;
  }

  it.each([1280, 360])('at %i px: stays on the goodbye, with feedback on its way, then with it turned off', async (width) => {
    const context = await newContext(browser, width);
    const page = await signedInWithTextKeys(context, app.url, llm.url);

    // On by default: the goodbye says feedback is being written, and it is.
    const requestsBefore = llm.requests.length;
    const first = await interviewToTheEnd(page);
    const goodbye = page.locator('#goodbye');
    await goodbye.waitFor({ state: 'visible' });
    expect(await page.locator('#goodbye-text').textContent()).toBe('Thank you. Your feedback is being written now: it will be on your interview page in a minute or two.');
    expect(await page.locator('.room-actions').isHidden()).toBe(true);
    expect(page.url()).toMatch(ROOM_URL);
    const status = await page.evaluate(async (path) => ((await (await fetch(path)).json()) as { status: string }).status, `/api/interviews/${first}/feedback`);
    expect(['generating', 'ready', 'failed']).toContain(status);
    await waitFor(() => llm.requests.slice(requestsBefore).some((r) => r.path.endsWith('/chat/completions')), { explain: 'the model to be asked for feedback', timeoutMs: 20_000 });
    await page.getByRole('link', { name: 'Open your interview' }).click();
    await page.waitForURL(new RegExp(`/interviews/${first}$`));

    // Turned off in Settings: the goodbye says where to ask for it, and nothing is written.
    await page.goto(`${app.url}/settings`);
    await page.getByLabel('Write feedback as soon as an interview ends').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/settings\?saved=feedback$/);
    expect(await page.getByLabel('Write feedback as soon as an interview ends').isChecked()).toBe(false);
    const second = await interviewToTheEnd(page);
    await goodbye.waitFor({ state: 'visible' });
    expect(await page.locator('#goodbye-text').textContent()).toBe('Thank you. Your transcript is on your interview page, where you can ask for written feedback.');
    const untouched = await page.evaluate(async (path) => ((await (await fetch(path)).json()) as { status: string }).status, `/api/interviews/${second}/feedback`);
    expect(untouched).toBe('none');
    // Back on for the next width.
    await page.goto(`${app.url}/settings`);
    await page.getByLabel('Write feedback as soon as an interview ends').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/settings\?saved=feedback$/);
    await context.close();
  }, 120_000);
});
