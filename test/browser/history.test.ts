import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { interviewItems, T0, validFeedback } from '../feedback/fixture.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { localUserId, otherUserId, seedInterview, shiftedItems, TEXT_METRICS, VOICE_METRICS, XSS_NAME } from '../web/seed.ts';
import { HAS_CHROMIUM, sharedBrowser, overflowingElements, saveKeysInPage, screenshot, seriousA11yViolations } from './browser.ts';

const DAY = 86_400_000;
const LLM_KEY = 'sk-history-browser-test-4242';

describe.skipIf(!HAS_CHROMIUM)('in a real browser: dashboard, history and the interview page', () => {
  let browser: Browser;
  let app: TestApp;
  let llm: FakeOpenAI;
  let context: BrowserContext;
  let page: Page;
  let userId: string;
  /** Alerts and other unexpected dialogs; confirmations are accepted. */
  const dialogs: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    [browser, app, llm] = await Promise.all([
      sharedBrowser(),
      startTestApp(),
      // Slow enough that the page can show the "asking the model" step.
      startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: { content: JSON.stringify(validFeedback()), delayMs: 1200 } }),
    ]);
    // A reader away from UTC: the exports give dates in the browser's time zone.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Kolkata' });
    page = await context.newPage();
    page.on('dialog', (d) => {
      if (d.type() === 'confirm') return d.accept();
      dialogs.push(`${d.type()}: ${d.message()}`);
      return d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text());
    });
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Continue as local user' }).click();
    await page.waitForURL(/\/dashboard$/);
    userId = await localUserId(app.db);
  });
  afterAll(async () => {
    await app?.close();
    await llm?.close();
  });
  beforeEach(async () => {
    await app.db.query('delete from public.interviews');
    dialogs.length = 0;
    errors.length = 0;
  });

  async function noSeriousViolations() {
    const violations = await seriousA11yViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  }

  /** Full-page screenshots at phone and desktop widths. */
  /** Photographs the page at phone and desktop widths; at phone width nothing may stick out sideways. */
  async function screenshots(name: string) {
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await overflowingElements(page)).toEqual([]);
    await screenshot(page, `${name}-360`);
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, `${name}-1280`);
  }

  const saveKeys = (body: Record<string, string>) => saveKeysInPage(page, body);

  it('dashboard: keys status, recent interviews with scores and the score chart', async () => {
    await saveKeys({ openai_key: LLM_KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
    await seedInterview(app.db, userId, { jobRole: 'Data Analyst', startedAt: T0, feedback: 2 });
    await page.goto(`${app.url}/dashboard`);
    expect(await page.locator('.score-chart').count()).toBe(0);

    await seedInterview(app.db, userId, { jobRole: 'Platform Engineer', startedAt: T0 + DAY, feedback: 4 });
    await seedInterview(app.db, userId, { jobRole: 'Product Manager', startedAt: T0 + 2 * DAY });
    await page.goto(`${app.url}/dashboard`);
    const llmRow = page.locator('.key-status li', { hasText: 'Language model' });
    expect(await llmRow.locator('.key-state').textContent()).toContain('Set');
    expect(await page.locator('.key-status li', { hasText: 'Deepgram' }).locator('.key-state').textContent()).toContain('Not set');
    expect(await page.getByRole('link', { name: 'Start an interview' }).getAttribute('href')).toBe('/interviews/new');

    const recent = page.locator('.interview-list .interview-card');
    expect(await recent.locator('.interview-title').allTextContents()).toEqual(['Product Manager', 'Platform Engineer', 'Data Analyst']);
    expect(await recent.nth(1).locator('.score-badge').textContent()).toMatch(/4\s*\/5/);
    expect(await recent.nth(0).textContent()).toContain('No feedback yet');
    const chart = page.getByRole('img', { name: /Overall score over time/ });
    await chart.waitFor();
    expect(await chart.locator('circle.chart-point').count()).toBe(2);

    await noSeriousViolations();
    await screenshots('dashboard');
    expect(errors).toEqual([]);
  });

  it('history: newest first, filters by text, deletes one after confirmation', async () => {
    const roles = ['Backend Engineer', 'Product Designer', 'Data Scientist', 'Design Lead'];
    const ids: string[] = [];
    for (const [i, jobRole] of roles.entries()) {
      ids.push(await seedInterview(app.db, userId, { jobRole, startedAt: T0 + i * DAY, feedback: i % 2 === 0 ? 3 + (i % 3) : undefined }));
    }
    await page.goto(`${app.url}/interviews`);
    const titles = page.locator('#interview-list .interview-title a');
    expect(await titles.allTextContents()).toEqual([...roles].reverse());
    await noSeriousViolations();
    await screenshots('history');

    const filter = page.getByLabel('Filter by role, name or level');
    await filter.fill('design');
    await page.waitForFunction(() => document.querySelectorAll('#interview-list .interview-card').length === 2);
    expect(await titles.allTextContents()).toEqual(['Design Lead', 'Product Designer']);
    // Rows built in the page read like the server-rendered ones.
    expect(await page.locator('#interview-list .interview-meta').first().textContent()).toContain('Mid-level');
    expect(await page.locator('#list-count').textContent()).toBe('2 interviews match “design”');
    expect(page.url()).toContain('/interviews?q=design');

    await filter.fill('');
    await page.waitForFunction(() => document.querySelectorAll('#interview-list .interview-card').length === 4);

    await page.getByRole('button', { name: /Delete the Data Scientist interview/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('#interview-list .interview-card').length === 3);
    expect(await titles.allTextContents()).toEqual(['Design Lead', 'Product Designer', 'Backend Engineer']);
    expect(await page.locator('#list-action').textContent()).toBe('Deleted the Data Scientist interview.');
    const gone = await page.evaluate((id) => fetch(`/api/interviews/${id}`, { headers: { accept: 'application/json' } }).then((r) => r.status), ids[2]!);
    expect(gone).toBe(404);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('history: an empty state that points to starting one', async () => {
    await page.goto(`${app.url}/interviews`);
    const empty = page.locator('#empty-state');
    expect(await empty.isVisible()).toBe(true);
    expect(await empty.getByRole('link', { name: 'Start your first interview' }).getAttribute('href')).toBe('/interviews/new');
  });

  it('interview page: transcript by stage, exports, and feedback generated against the model with progress', async () => {
    await saveKeys({ openai_key: LLM_KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
    const id = await seedInterview(app.db, userId, { jobRole: 'Frontend Engineer' });
    await page.goto(`${app.url}/interviews/${id}`);

    const transcript = page.locator('section.transcript');
    expect(await transcript.locator('h3').allTextContents()).toEqual(['Welcome', 'Self-introduction', 'Past experience', 'Closing']);
    const pastExperience = transcript.locator('.stage-group', { has: page.locator('h3', { hasText: 'Past experience' }) });
    expect(await pastExperience.locator('.line-time').allTextContents()).toEqual(['00:22', '00:26', '00:35', '00:38']);
    expect(await pastExperience.locator('.line').nth(3).textContent()).toContain('I did the stuff.');

    const exports = await page.evaluate(async () => {
      const out: Record<string, { type: string | null; disposition: string | null; body: string }> = {};
      for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('a[href*="/export?format="]'))) {
        const res = await fetch(a.href);
        out[a.textContent!.trim()] = { type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: await res.text() };
      }
      return out;
    });
    expect(exports['Export JSON']!.type).toMatch(/^application\/json/);
    expect(exports['Export JSON']!.disposition).toMatch(/^attachment; filename="?mockflow-frontend-engineer-\d{4}-\d\d-\d\d\.json"?$/);
    expect(JSON.parse(exports['Export JSON']!.body).items).toHaveLength(interviewItems.length);
    expect(exports['Export Markdown']!.type).toMatch(/^text\/markdown/);
    expect(exports['Export Markdown']!.disposition).toMatch(/^attachment; filename="?mockflow-frontend-engineer-\d{4}-\d\d-\d\d\.md"?$/);
    expect(exports['Export Markdown']!.body).toContain('## Past experience');
    // Chromium names India's zone Asia/Calcutta (its old IANA name); the export uses the browser's name.
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(zone).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
    const local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kolkata' }).format(new Date(T0));
    expect(exports['Export Markdown']!.body).toContain(`- Date: ${local} ${zone}\n`);
    expect(JSON.parse(exports['Export JSON']!.body).timeZone).toBe(zone);

    await page.getByRole('button', { name: 'Generate feedback' }).click();
    await page.waitForFunction(() => /Asking your language model/.test(document.getElementById('feedback-progress')!.textContent!));
    const ring = page.getByRole('img', { name: 'Overall score 3 out of 5' });
    await ring.waitFor({ timeout: 20_000 });
    expect(await page.locator('#feedback-progress').textContent()).toBe('Feedback ready.');
    expect(await page.locator('.competency').count()).toBe(3);
    expect(await page.locator('.competency svg.bar rect.bar-value').first().getAttribute('width')).toBe('80');
    expect(await page.locator('.callout.best').textContent()).toContain('Impact (4/5)');
    expect(await page.locator('.callout.weakest').textContent()).toContain('Ownership (2/5)');
    const analytics = page.locator('section.analytics');
    expect(await analytics.locator('.stats').textContent()).toMatch(/Filler words\s*2/);
    expect(await analytics.locator('.hbars li').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/“um”\s*1/)]));
    expect(await analytics.locator('svg.split rect').count()).toBe(2);
    expect(await page.getByRole('link', { name: 'Download (Markdown)' }).getAttribute('href')).toBe(`/api/interviews/${id}/feedback/export`);
    expect(await page.getByRole('button', { name: 'Regenerate' }).isEnabled()).toBe(true);
    expect(llm.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);

    await noSeriousViolations();
    await screenshots('interview-feedback');

    // Save as PDF prints the report alone: no navigation or buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Regenerate' }).isVisible()).toBe(false);
    expect(await page.getByRole('link', { name: 'Export JSON' }).isVisible()).toBe(false);
    expect(await ring.isVisible()).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await screenshot(page, 'interview-print');
    await page.emulateMedia({ media: 'screen' });
    expect(errors).toEqual([]);
  });

  it('interview page: response times per turn with medians, readable at 360 px and in print', async () => {
    const id = await seedInterview(app.db, userId, { mode: 'voice', metrics: VOICE_METRICS });
    await page.goto(`${app.url}/interviews/${id}`);
    const table = page.getByRole('table', { name: /Time before each interviewer reply/ });
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Turn', 'Waiting for the end of your answer', 'Model (first token)', 'Voice (first audio)']);
    expect(await table.locator('tbody tr').count()).toBe(VOICE_METRICS.length);
    expect(await table.getByRole('rowheader').allTextContents()).toEqual(['1 Welcome', '2 Self-introduction', '3 Self-introduction', '4 Past experience', 'Median']);
    expect(await table.locator('tfoot td').allTextContents()).toEqual(['0.6 s', '0.5 s', '0.2 s']);
    expect(await page.locator('#response-times-reading').textContent()).toContain('not in MockFlow');
    await noSeriousViolations();
    await screenshots('interview-response-times');

    await page.emulateMedia({ media: 'print' });
    expect(await table.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    // A text interview: the model's figures only.
    const text = await seedInterview(app.db, userId, { mode: 'text', metrics: TEXT_METRICS });
    await page.goto(`${app.url}/interviews/${text}`);
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Turn', 'Model (first token)']);
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await overflowingElements(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(errors).toEqual([]);
  });

  it('interview page: a transcript too short for feedback gets the plain 422 message', async () => {
    const id = await seedInterview(app.db, userId, { items: shiftedItems(T0, interviewItems.slice(0, 4)) });
    await page.goto(`${app.url}/interviews/${id}`);
    await page.getByRole('button', { name: 'Generate feedback' }).click();
    const alert = page.locator('#feedback-error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'There is not enough to judge yet: feedback needs at least 3 answers from you, and this interview has 2.',
    );
    expect(await page.getByRole('button', { name: 'Generate feedback' }).isEnabled()).toBe(true);
    await screenshots('interview-too-short');
  });

  it('interview page: a failed regeneration keeps the report on screen, says why and offers Try again, also after a reload', async () => {
    const bad = await startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: { content: 'not json', delayMs: 800 } });
    try {
      await saveKeys({ openai_key: LLM_KEY, llm_base_url: bad.url, llm_model: 'fake-model' });
      const id = await seedInterview(app.db, userId, { feedback: 3 });
      await page.goto(`${app.url}/interviews/${id}`);
      const ring = page.getByRole('img', { name: 'Overall score 3 out of 5' });
      expect(await ring.isVisible()).toBe(true);

      await page.getByRole('button', { name: 'Regenerate' }).click();
      await page.waitForFunction(() => /Asking your language model/.test(document.getElementById('feedback-progress')!.textContent!));
      // While it runs, the last good report stays.
      expect(await ring.isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Regenerate' }).isDisabled()).toBe(true);

      const note = page.locator('.feedback-note');
      await note.waitFor({ timeout: 20_000 });
      const expected = /^The last attempt to regenerate failed: The model's answer could not be used twice in a row; nothing was saved\. Try again, or choose a different model in Settings → Keys\. Your previous feedback is shown\.$/;
      expect(await note.textContent()).toMatch(expected);
      expect(await ring.isVisible()).toBe(true);
      expect(await page.locator('.competency').count()).toBe(3);
      expect(await page.getByRole('link', { name: 'Download (Markdown)' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Try again' }).isEnabled()).toBe(true);
      expect(await page.locator('#feedback-error').isHidden()).toBe(true);
      expect(await page.locator('#feedback').getAttribute('data-status')).toBe('failed');
      await noSeriousViolations();
      await screenshots('interview-regenerate-failed');

      await page.reload();
      expect(await page.locator('.feedback-note').textContent()).toMatch(expected);
      expect(await ring.isVisible()).toBe(true);
      // The note is for the screen; the printed report is the report.
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.feedback-note').isVisible()).toBe(false);
      expect(await ring.isVisible()).toBe(true);
      await page.emulateMedia({ media: 'screen' });
      expect(errors).toEqual([]);
    } finally {
      await bad.close();
    }
  });

  it('interview page: reloaded while a regeneration runs, shows the report with progress, then the outcome', async () => {
    const id = await seedInterview(app.db, userId, { feedback: 3 });
    await app.db.query(`update public.interviews set feedback_status = 'generating' where id = $1`, [id]);
    await page.goto(`${app.url}/interviews/${id}`);
    const ring = page.getByRole('img', { name: 'Overall score 3 out of 5' });
    expect(await ring.isVisible()).toBe(true);
    expect(await page.locator('#feedback-progress').getAttribute('data-state')).toBe('busy');
    expect(await page.locator('#feedback-progress').textContent()).toMatch(/Asking your language model/);
    expect(await page.getByRole('button', { name: 'Regenerate' }).isDisabled()).toBe(true);

    // The generation elsewhere fails: the page notices by polling and keeps the report.
    await app.db.query(`update public.interviews set feedback_status = 'failed', feedback_error = 'The provider had a problem (HTTP 500).' where id = $1`, [id]);
    const note = page.locator('.feedback-note');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toBe('The last attempt to regenerate failed: The provider had a problem (HTTP 500). Your previous feedback is shown.');
    expect(await ring.isVisible()).toBe(true);
    expect(await page.locator('#feedback-progress').textContent()).toBe('');
    expect(errors).toEqual([]);
  });

  it('interview page: printed before any feedback, shows no offer to generate it', async () => {
    const id = await seedInterview(app.db, userId);
    await page.goto(`${app.url}/interviews/${id}`);
    const promo = page.getByText('Get scores per competency');
    expect(await promo.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'print' });
    expect(await promo.isVisible()).toBe(false);
    expect(await page.getByRole('heading', { name: 'Feedback' }).isVisible()).toBe(false);
    expect(await page.getByRole('heading', { name: 'Transcript' }).isVisible()).toBe(true);
    await screenshot(page, 'interview-no-feedback-print');
    await page.emulateMedia({ media: 'screen' });
  });

  it('a candidate named like markup stays text on the dashboard, the history and the interview page', async () => {
    const id = await seedInterview(app.db, userId, { candidateName: XSS_NAME, jobRole: `${XSS_NAME} Engineer`, feedback: 4 });
    await seedInterview(app.db, userId, { candidateName: XSS_NAME, startedAt: T0 - DAY, feedback: 2 });
    const where: [string, string][] = [
      ['/dashboard', '.interview-meta span'],
      ['/interviews', '.interview-meta span'],
      [`/interviews/${id}`, '.facts dd'],
      [`/interviews/${id}`, 'h1'],
      [`/interviews/${id}`, '.line-who'],
    ];
    for (const [path, selector] of where) {
      await page.goto(`${app.url}${path}`);
      const shown = page.locator(selector, { hasText: XSS_NAME }).first();
      await shown.waitFor({ timeout: 5_000 });
      expect(await shown.isVisible(), `${path} ${selector}`).toBe(true);
      expect(await page.locator('img[src="x"]').count(), path).toBe(0);
    }
    // Rows the history script builds from JSON, too.
    await page.goto(`${app.url}/interviews`);
    await page.getByLabel('Filter by role, name or level').fill('<img');
    await page.waitForFunction(() => window.location.search === '?q=%3Cimg', undefined, { timeout: 5_000 });
    await page.locator('#interview-list .interview-meta span', { hasText: XSS_NAME }).first().waitFor({ timeout: 5_000 });
    expect(await page.locator('#interview-list .interview-card').count()).toBe(2);
    expect(await page.locator('#interview-list img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('another user’s interview is the 404 page', async () => {
    const theirs = await seedInterview(app.db, await otherUserId(app.db), { jobRole: 'Their Secret Role' });
    const response = await page.goto(`${app.url}/interviews/${theirs}`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await page.content()).not.toContain('Their Secret Role');
    expect(await page.getByRole('link', { name: 'Go to your dashboard' }).isVisible()).toBe(true);
    await noSeriousViolations();
    await screenshots('not-found');
  });
});
