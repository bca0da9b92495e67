// A provider that fails mid-interview pauses it, in a real browser at 1280 and 360 px: the room
// says what failed and offers "Try again", a reload shows the same, and once the model answers
// again the candidate's kept answer gets its reply and the interview carries on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { LLM_KEY } from '../interviews/helpers.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext } from './browser.ts';
import { signedInWithTextKeys, startTextInterview } from './text-interview.ts';

describe.skipIf(!HAS_CHROMIUM)('in a real browser: a failing model pauses the interview', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;
  let failing = false;
  let asked = 0;

  beforeAll(async () => {
    llm = await startFakeOpenAI({
      apiKey: LLM_KEY,
      defaultReply: () => (failing ? { status: 503, message: 'overloaded' } : `Question ${++asked}: tell me more about that?`),
    });
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp()]);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
  });

  it.each([1280, 360])('at %i px: says what failed, survives a reload, and carries on after "Try again"', async (width) => {
    failing = false;
    const context = await newContext(browser, width);
    const page = await signedInWithTextKeys(context, app.url, llm.url);
    await startTextInterview(page, app.url);
    const interviewerLines = page.locator('#chat .from-interviewer');
    await interviewerLines.first().waitFor();

    failing = true;
    const answer = 'I moved our billing jobs onto a queue.';
    await page.getByLabel('Your answer').fill(answer);
    await page.getByRole('button', { name: 'Send' }).click();
    const panel = page.locator('#provider-paused');
    await panel.waitFor({ state: 'visible' });
    const host = new URL(llm.url).host;
    const text = await page.locator('#provider-paused-text').textContent();
    expect(text).toContain(`The LLM provider (${host}) answered HTTP 503 (a problem on the provider's side)`);
    expect(text).toContain('your last answer is kept');
    expect(text).toMatch(/ends by itself in about 2 minutes/);
    const box = await page.getByRole('button', { name: 'Try again' }).boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);

    // A reload while paused shows the pause, and the answer once.
    await page.reload();
    await panel.waitFor({ state: 'visible' });
    await page.locator('#chat .from-user', { hasText: answer }).waitFor();
    expect(await page.locator('#chat .from-user', { hasText: answer }).count()).toBe(1);

    failing = false;
    const before = await interviewerLines.count();
    await page.getByRole('button', { name: 'Try again' }).click();
    await panel.waitFor({ state: 'hidden' });
    await page.waitForFunction((n) => document.querySelectorAll('#chat .from-interviewer').length > n, before);
    expect(await interviewerLines.last().textContent()).toMatch(/Question \d+: tell me more about that\?$/);
    expect(await page.locator('#chat .from-user').last().textContent()).toContain(answer);

    // The interview goes on as before.
    await page.getByLabel('Your answer').fill('And I added retries with backoff.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('#chat .from-interviewer').length > n + 1, before);
    await page.getByRole('button', { name: 'End interview' }).click();
    await page.waitForURL(/\/interviews\/[0-9a-f-]{36}$/);
    await context.close();
  }, 120_000);
});
