// Starting and running interviews in a real browser: keys, the start form with a résumé, a
// text interview of three turns against the fake model, escaping of a hostile name, and the
// voice room when the LiveKit server cannot be reached.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Document, Packer, Paragraph } from 'docx';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { WorkerPool } from '../../server/workers/pool.ts';
import { LLM_KEY, startInterviewModel } from '../interviews/helpers.ts';
import { HAS_CHROMIUM, sharedBrowser, newContext, overflowingElements, saveKeysInPage, screenshot, seriousA11yViolations } from './browser.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';
const CALL_AGENT = { path: fileURLToPath(new URL('./fixtures/call-agent.mjs', import.meta.url)), execArgv: [] };
const ROOM_URL = /\/interviews\/([0-9a-f-]{36})\/room$/;

describe.skipIf(!HAS_CHROMIUM)('in a real browser: starting and running interviews', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, app, llm] = await Promise.all([sharedBrowser(), startTestApp(), startInterviewModel()]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await app?.close();
    await llm?.close();
  });

  /** A signed-in tab, collecting console errors and every dialog (confirms are accepted). */
  async function signedIn(width = 1280, baseUrl = app.url) {
    const context = await newContext(browser, width);
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    const dialogs: { type: string; message: string }[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => {
      dialogs.push({ type: d.type(), message: d.message() });
      void (d.type() === 'confirm' ? d.accept() : d.dismiss());
    });
    await page.goto(baseUrl);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    return { page, errors, dialogs };
  }

  const saveKeys = saveKeysInPage;

  async function fillStartForm(page: Page, role = 'Backend Engineer') {
    const name = page.getByLabel('Your name');
    if ((await name.inputValue()) === '') await name.fill('Sam Rivera');
    await page.getByLabel('Target role').fill(role);
    await page.getByLabel('Experience level').selectOption('senior');
  }

  async function countMessages(page: Page, selector: string, atLeast: number) {
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length >= (n as number), [selector, atLeast] as const, {
      timeout: 20_000,
    });
  }

  async function endFromRoom(page: Page, id: string) {
    await page.getByRole('button', { name: 'End interview' }).click();
    await page.waitForURL(new RegExp(`/interviews/${id}$`));
  }

  it('saves text-only keys on the keys page and shows each provider\'s test result', async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${app.url}/settings/keys`);
    await page.locator('#llm_provider').selectOption('custom');
    await page.locator('#llm_base_url').fill(llm.url);
    await page.locator('#llm_model').fill('fake-model');
    await page.locator('#openai_key').fill(LLM_KEY);
    await page.getByRole('button', { name: 'Save keys' }).click();
    await page.getByText('Keys saved.').waitFor();
    await page.getByRole('button', { name: 'Test keys' }).click();
    const result = (provider: string) => page.locator(`#test-results li[data-provider=${provider}] .result`);
    await page.waitForFunction(() => !document.querySelector('#test-results li[data-state=busy]'));
    await expect(result('llm').textContent()).resolves.toMatch(/^Works/);
    await expect(result('livekit').textContent()).resolves.toMatch(/^Not set/);
    await expect(result('deepgram').textContent()).resolves.toMatch(/^Not set/);
    expect(errors).toEqual([]);
  });

  it('shows the start form with voice unavailable and why, at phone and desktop widths, with no serious a11y problems', async () => {
    const { page, errors } = await signedIn(360);
    await page.goto(`${app.url}/interviews/new`);
    // "Local user" is the local sign-in's placeholder, not a name to greet the candidate by.
    await expect(page.getByLabel('Your name').inputValue()).resolves.toBe('');
    await expect(page.getByRole('radio', { name: /Voice/ }).isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('radio', { name: /Text/ }).isChecked()).resolves.toBe(true);
    await expect(page.locator('#voice-reason').textContent()).resolves.toContain('Voice needs LiveKit and Deepgram keys');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, 'start-form-360');

    // Nothing sent while required fields are empty: each says what it needs.
    await page.getByLabel('Your name').fill('');
    await page.getByRole('button', { name: 'Start interview' }).click();
    await expect(page.locator('#candidate_name-error').textContent()).resolves.toBe('Your name is required.');
    await expect(page.locator('#job_role-error').textContent()).resolves.toBe('The target role is required.');
    await expect(page.locator('#experience_level-error').textContent()).resolves.toBe('Choose your experience level.');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('candidate_name');
    await page.getByLabel('Job description').fill('x'.repeat(10_001));
    await page.getByRole('button', { name: 'Start interview' }).click();
    await expect(page.locator('#job_description-error').textContent()).resolves.toContain('at most 10,000 characters');
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'start-form-errors-1280');
    expect(errors).toEqual([]);
  });

  it('uploads a DOCX résumé and shows how many characters were read and a preview', async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${app.url}/interviews/new`);
    const doc = new Document({
      sections: [{ children: [new Paragraph('Ada Lovelace'), new Paragraph('Wrote the first published algorithm for the Analytical Engine.')] }],
    });
    const buffer = await Packer.toBuffer(doc);
    await page.setInputFiles('#resume_file', {
      name: 'resume.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      buffer,
    });
    await page.locator('#resume-preview').waitFor({ state: 'visible' });
    await expect(page.locator('#resume-status').textContent()).resolves.toMatch(/^\d+ characters read\.$/);
    await expect(page.locator('#resume-text').textContent()).resolves.toContain('first published algorithm');
    await fillStartForm(page);
    await screenshot(page, 'start-form-1280');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A file it cannot read: the API's message, in plain words, and no preview.
    await page.setInputFiles('#resume_file', { name: 'resume.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a document') });
    await page.locator('#resume_text-error').filter({ hasText: /\w/ }).waitFor();
    await expect(page.locator('#resume-preview').isHidden()).resolves.toBe(true);
    expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });

  it('runs a text interview of three turns through the page, ends it, finds it in history and on its page, and deletes it', async () => {
    const { page, errors } = await signedIn();
    await page.goto(`${app.url}/interviews/new`);
    await fillStartForm(page);
    await page.getByRole('button', { name: 'Start interview' }).click();
    await page.waitForURL(ROOM_URL);
    const id = ROOM_URL.exec(page.url())![1]!;

    await countMessages(page, '#chat .from-interviewer', 1);
    await expect(page.locator('#chat .from-interviewer .text').first().textContent()).resolves.toContain('Hi Sam');
    await expect(page.locator('#stage-name').textContent()).resolves.toBe('Welcome');
    await expect(page.locator('#stage-clock').textContent()).resolves.toMatch(/^\d+:\d\d left in this stage$/);

    const box = page.getByLabel('Your answer');
    await box.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    await expect(box.inputValue()).resolves.toBe('line one\nline two');
    await box.fill('');

    const answers = ['I build payment systems.', 'Mostly Go and Postgres.', 'I led a migration last year.'];
    for (const [i, answer] of answers.entries()) {
      await box.fill(answer);
      await box.press('Enter');
      await countMessages(page, '#chat .from-user', i + 1);
      await countMessages(page, '#chat .from-interviewer', i + 2);
    }
    await expect(page.locator('#chat .from-user .text').allTextContents()).resolves.toEqual(answers);
    const replies = await page.locator('#chat .from-interviewer .text').allTextContents();
    expect(replies.slice(1).every((r) => r.startsWith('Question'))).toBe(true);
    await expect(page.locator('#chat .message').count()).resolves.toBe(7);
    await expect(page.locator('#typing').textContent()).resolves.toBe('');
    // The model's time for the last reply, from the live `metrics` event (text: no voice figure).
    const lastTurn = page.locator('#last-turn');
    await lastTurn.waitFor();
    await expect(lastTurn.textContent()).resolves.toMatch(/^Last reply: model \d+(\.\d)? m?s$/);

    // A reload replays the transcript from the snapshot without duplicates.
    await page.reload();
    await countMessages(page, '#chat .message', 7);
    await page.waitForTimeout(300);
    await expect(page.locator('#chat .message').count()).resolves.toBe(7);
    // ...and from the snapshot after a reload.
    await lastTurn.waitFor();
    await expect(lastTurn.textContent()).resolves.toMatch(/^Last reply: model /);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'room-text-1280');
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, 'room-text-360');

    await endFromRoom(page, id);

    // Its page holds the whole transcript; the history lists it; deleting it removes it.
    const lines = await page.locator('section.transcript .line').allTextContents();
    expect(lines).toHaveLength(7);
    const times = page.getByRole('table', { name: /Time before each interviewer reply/ });
    await expect(times.getByRole('columnheader').allTextContents()).resolves.toEqual(['Turn', 'Model (first token)']);
    // One row per model reply (the greeting is a fixed line: no model, nothing to time in text).
    await expect(times.locator('tbody tr').count()).resolves.toBe(answers.length);
    for (const answer of answers) expect(lines.some((line) => line.includes(answer))).toBe(true);
    await page.goto(`${app.url}/interviews`);
    const card = page.locator('#interview-list .interview-card', { hasText: 'Backend Engineer' });
    await expect(card.count()).resolves.toBe(1);
    await card.getByRole('button', { name: /Delete the Backend Engineer interview/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('#interview-list .interview-card').length === 0);
    await expect(page.locator('#list-action').textContent()).resolves.toBe('Deleted the Backend Engineer interview.');
    const gone = await app.db.query('select 1 from public.interviews where id = $1', [id]);
    expect(gone.rows).toHaveLength(0);
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  }, 60_000);

  it('keeps a hostile name as text in the prefill and in the room', async () => {
    const { page, errors, dialogs } = await signedIn();
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb($1::text))::json`, [HOSTILE]);
    await page.goto(`${app.url}/interviews/new`);
    await expect(page.getByLabel('Your name').inputValue()).resolves.toBe(HOSTILE);
    await fillStartForm(page);
    await page.getByRole('button', { name: 'Start interview' }).click();
    await page.waitForURL(ROOM_URL);
    const id = ROOM_URL.exec(page.url())![1]!;
    await countMessages(page, '#chat .from-interviewer', 1);
    await expect(page.locator('#candidate-name').textContent()).resolves.toBe(HOSTILE);
    await expect(page.getByText(HOSTILE).first().isVisible()).resolves.toBe(true);
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);

    await endFromRoom(page, id);
    expect(dialogs.filter((d) => d.type !== 'confirm')).toEqual([]);
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user,name}', to_jsonb('Local user'::text))::json`);
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  }, 60_000);

  it('says plainly why a voice interview could not start when LiveKit does not answer, and offers to try again', async () => {
    const { page } = await signedIn();
    await page.goto(`${app.url}/settings/keys`);
    await saveKeys(page, {
      livekit_url: 'ws://127.0.0.1:9',
      livekit_api_key: 'APIbrowsertest',
      livekit_api_secret: 'browser-test-secret-0123456789abcdef',
      deepgram_key: 'dg-browser-test-key-1234',
      tts_provider: 'deepgram',
    });
    await page.goto(`${app.url}/interviews/new`);
    await expect(page.getByRole('radio', { name: /Voice/ }).isChecked()).resolves.toBe(true);
    await fillStartForm(page);
    await page.getByRole('button', { name: 'Start interview' }).click();
    const problem = page.locator('#start-problem');
    await problem.waitFor({ state: 'visible', timeout: 25_000 });
    await expect(problem.locator('#start-problem-message').textContent()).resolves.toMatch(/LiveKit could not be reached/);
    await expect(problem.getByRole('button', { name: 'Try again' }).isVisible()).resolves.toBe(true);
    await expect(problem.getByRole('link', { name: 'Open Settings → Keys' }).getAttribute('href')).resolves.toBe('/settings/keys');
    expect(page.url()).toMatch(/\/interviews\/new$/);
    await screenshot(page, 'start-voice-failed-1280');
    // The same answers, as a text interview, in one click.
    await problem.getByRole('button', { name: 'Use a text interview instead' }).click();
    await page.waitForURL(ROOM_URL);
    const id = ROOM_URL.exec(page.url())![1]!;
    await countMessages(page, '#chat .from-interviewer', 1);
    const { rows } = await app.db.query<{ mode: string; job_role: string }>('select mode, job_role from public.interviews where id = $1', [id]);
    expect(rows[0]).toEqual({ mode: 'text', job_role: 'Backend Engineer' });
    await endFromRoom(page, id);
  }, 60_000);

  it('shows the voice room, and a plain "cannot reach" message with Retry when the LiveKit server does not answer', async () => {
    // The agent child is a stand-in that becomes ready without joining the room: what is under
    // test is the page, when the candidate's LiveKit server does not answer the browser.
    const pool = new WorkerPool({ max: 1, heapMb: 64, idleMs: 60_000, readyTimeoutMs: 10_000, logger: captureLogs().logger, entry: CALL_AGENT });
    const voiceApp = await startTestApp({ db: app.db, pool });
    try {
      const { page } = await signedIn(1280, voiceApp.url);
      await page.goto(`${voiceApp.url}/interviews/new`);
      await expect(page.getByRole('radio', { name: /Voice/ }).isChecked()).resolves.toBe(true);
      await page.getByLabel('Your name').fill('Sam Rivera');
      await page.getByLabel('Target role').fill('Site Reliability Engineer');
      await page.getByLabel('Experience level').selectOption('mid');
      await page.getByRole('button', { name: 'Start interview' }).click();
      await page.waitForURL(ROOM_URL);
      const id = ROOM_URL.exec(page.url())![1]!;
      await page.locator('#allow-mic').waitFor();
      await expect(page.evaluate(() => typeof (window as unknown as { LivekitClient?: unknown }).LivekitClient)).resolves.toBe('object');
      await expect(page.locator('#stage-name').textContent()).resolves.toBe('Welcome');
      await screenshot(page, 'room-voice-intro-1280');
      expect(await seriousA11yViolations(page)).toEqual([]);

      const passRequest = (tab: typeof page) =>
        tab.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith(`/api/interviews/${id}/room-pass`));

      // Another tab has no pass of its own: it asks the server for one when joining.
      const other = await page.context().newPage();
      await other.goto(`${voiceApp.url}/interviews/${id}/room`);
      const otherPass = passRequest(other);
      await other.getByRole('button', { name: 'Allow microphone and join' }).click();
      await otherPass;
      await other.locator('#voice-problem').waitFor({ state: 'visible', timeout: 20_000 });
      await expect(other.locator('#voice-problem-message').textContent()).resolves.toMatch(/^The call cannot be reached: nothing answered at 127\.0\.0\.1:9\./);
      await other.close();

      await page.getByRole('button', { name: 'Allow microphone and join' }).click();
      const problem = page.locator('#voice-problem');
      await problem.waitFor({ state: 'visible', timeout: 20_000 });
      await expect(page.locator('#voice-problem-message').textContent()).resolves.toMatch(/^The call cannot be reached: nothing answered at 127\.0\.0\.1:9\./);
      const retry = page.getByRole('button', { name: 'Retry' });
      await expect(retry.isVisible()).resolves.toBe(true);
      // The microphone was asked for and listed.
      await expect(page.locator('#mic-select option').count()).resolves.toBeGreaterThan(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'room-voice-unreachable-1280');

      // Retrying asks for a fresh pass: the first one may have expired by now.
      const renewed = passRequest(page);
      await retry.click();
      await renewed;
      await problem.waitFor({ state: 'visible', timeout: 20_000 });
      await expect(page.locator('#voice-problem-message').textContent()).resolves.toContain('cannot be reached');
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await overflowingElements(page)).toEqual([]);
      await screenshot(page, 'room-voice-unreachable-360');

      // After a reload with a pass that has expired (the first one lasts ten minutes), joining asks for a fresh one.
      await page.evaluate((key) => {
        const stored = JSON.parse(sessionStorage.getItem(key)!);
        const claims = btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) - 5 })).replace(/=+$/, '');
        sessionStorage.setItem(key, JSON.stringify({ ...stored, token: `e30.${claims}.sig` }));
      }, `mockflow.livekit.${id}`);
      await page.reload();
      const afterReload = passRequest(page);
      await page.getByRole('button', { name: 'Allow microphone and join' }).click();
      await afterReload;
      await problem.waitFor({ state: 'visible', timeout: 20_000 });

      await endFromRoom(page, id);
      const ended = await app.db.query<{ status: string; ended_by: string }>('select status, ended_by from public.interviews where id = $1', [id]);
      expect(ended.rows[0]).toEqual({ status: 'ended', ended_by: 'candidate' });
    } finally {
      await voiceApp.close();
    }
  }, 60_000);
});
