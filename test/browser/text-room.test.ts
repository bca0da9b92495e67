// The text room in a real browser, at 1280 and 360 px: every stage name whole and Send on the
// first screen; an answer being written survives a reload and the end of the interview, writing
// counts as being there, and the idle limit warns first and is put off by "I'm still here"; on a
// touch screen Enter is a new line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WorkerPool } from '../../server/workers/pool.ts';
import { bundledAgent } from '../helpers/agent.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { startInterviewModel } from '../interviews/helpers.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext } from './browser.ts';
import { ROOM_URL, signedInWithTextKeys, startTextInterview } from './text-interview.ts';

const DRAFT = 'I was in the middle of explaining the migration when';

describe.skipIf(!HAS_CHROMIUM)('in a real browser: presence and the unsent answer', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;

  beforeAll(async () => {
    llm = await startInterviewModel();
    // A short idle limit: the warning comes 2 s before the end.
    const pool = new WorkerPool({ max: 2, heapMb: 192, idleMs: 6_000, readyTimeoutMs: 60_000, warmSpare: false, logger: captureLogs().logger, entry: bundledAgent() });
    [browser, app] = await Promise.all([sharedBrowser(), startTestApp({ pool })]);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
  });

  it.each([1280, 360])('at %i px', async (width) => {
    const context = await newContext(browser, width);
    const page = await signedInWithTextKeys(context, app.url, llm.url);
    const id = await startTextInterview(page, app.url);
    await page.waitForSelector('#chat .from-interviewer');
    // Layout: every stage name whole (none cut off), and Send on the first screen.
    expect(await page.$$eval('.stage-steps li', (items) => items.filter((li) => li.scrollWidth > li.clientWidth + 1 && getComputedStyle(li).fontSize !== '0px').map((li) => li.textContent))).toEqual([]);
    const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
    expect(send!.y + send!.height).toBeLessThanOrEqual(page.viewportSize()!.height);

    // Writing is being there: the page tells the server.
    const presence = page.waitForResponse((r) => r.url().endsWith(`/api/interviews/${id}/presence`));
    await page.getByLabel('Your answer').pressSequentially(DRAFT.slice(0, 12));
    expect((await presence).status()).toBe(204);
    await page.getByLabel('Your answer').fill(DRAFT);
    await page.getByLabel('Your answer').dispatchEvent('input');

    await page.reload();
    await page.waitForSelector('#chat .from-interviewer');
    expect(await page.getByLabel('Your answer').inputValue()).toBe(DRAFT);

    // Nothing more typed: the warning comes, and "I'm still here" keeps the interview going.
    const warning = page.locator('#idle-warning');
    await warning.waitFor({ state: 'visible' });
    await expect(page.locator('#idle-warning-text').textContent()).resolves.toMatch(/^Are you still there\? After a long silence the interview ends in about \d+ seconds?\.$/);
    expect(await page.getByRole('button', { name: "I'm still here" }).isVisible()).toBe(true);
    const answered = page.waitForResponse((r) => r.url().endsWith(`/api/interviews/${id}/presence`));
    await page.getByRole('button', { name: "I'm still here" }).click();
    expect((await answered).status()).toBe(204);
    await warning.waitFor({ state: 'hidden' });
    // It warns again (the limit started over) instead of having ended.
    await warning.waitFor({ state: 'visible' });
    expect(page.url()).toMatch(ROOM_URL);

    // Ended with the answer unsent: the interview page keeps it for the candidate.
    await page.getByRole('button', { name: 'End interview' }).click();
    await page.waitForURL(new RegExp(`/interviews/${id}$`));
    const unsent = page.locator('#unsent-draft');
    await unsent.waitFor({ state: 'visible' });
    expect(await page.locator('#unsent-draft-text').textContent()).toBe(DRAFT);
    await page.getByRole('button', { name: 'Discard it' }).click();
    await unsent.waitFor({ state: 'hidden' });
    expect(await page.evaluate((key) => localStorage.getItem(key), `mockflow.draft.${id}`)).toBeNull();
    await context.close();
  }, 120_000);

  it('on a touch screen, Enter starts a new line and Send sends; a deploy under way is said, with the time left', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
    const page = await signedInWithTextKeys(context, app.url, llm.url);
    const id = await startTextInterview(page, app.url);
    await page.waitForSelector('#chat .from-interviewer');
    // What a server publishes when SIGTERM starts its shutdown delay (test/instances/deploy.test.ts).
    app.events.publish(id, 'server_stopping', { endsAt: Date.now() + 285_000 });
    await page.locator('#server-stopping').waitFor({ state: 'visible' });
    expect(await page.locator('#server-stopping-text').textContent()).toBe(
      'MockFlow is being updated. Carry on: this interview can run for up to 5 more minutes, then it ends and everything said so far is kept.',
    );
    expect(await page.locator('#message-hint').textContent()).toBe('Send sends your answer · Enter starts a new line');
    await page.getByLabel('Your answer').pressSequentially('First line');
    await page.getByLabel('Your answer').press('Enter');
    await page.getByLabel('Your answer').pressSequentially('second line');
    expect(await page.getByLabel('Your answer').inputValue()).toBe('First line\nsecond line');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForSelector('#chat .from-user');
    expect(await page.locator('#chat .from-user .text').textContent()).toBe('First line\nsecond line');
    await context.close();
  }, 120_000);
});
