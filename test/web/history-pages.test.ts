import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../feedback/fixture.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type Agent } from '../helpers/session.ts';
import { latencyText } from '../../shared/format.ts';
import { otherUserId, seedInterview, shiftedItems, TEXT_METRICS, VOICE_METRICS, XSS_NAME } from './seed.ts';

const DAY = 86_400_000;
const ESCAPED_XSS = '&lt;img src=x onerror=alert(1)&gt;';

let app: TestApp;
let agent: Agent;
let token: string;
let userId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ agent, token, userId } = await signInLocally(app));
});
afterAll(() => app?.close());

async function clear() {
  await app.db.query('delete from public.interviews');
}

describe('the dashboard', () => {
  it('starts empty: a call to start, keys not set, no chart', async () => {
    await clear();
    const page = await agent.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/interviews/new"');
    expect(page.text).toContain('href="/settings/keys"');
    expect(page.text).toMatch(/Language model<\/span>\s*<span class="key-state">.*Not set/s);
    expect(page.text).toContain('You have not done an interview yet');
    expect(page.text).not.toContain('class="score-chart"');
  });

  it('shows which keys are set, never their values', async () => {
    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: 'sk-dashboard-secret-wxyz', llm_model: 'gpt-4o' });
    expect(saved.status, saved.text).toBe(200);
    const page = await agent.get('/dashboard');
    expect(page.text).toMatch(/<li data-state="set">\s*<span class="key-name">Language model/);
    expect(page.text).toContain('OpenAI · gpt-4o');
    expect(page.text).toMatch(/Text interviews: <strong>ready/);
    expect(page.text).toMatch(/Voice interviews: <strong>need LiveKit keys and a Deepgram key/);
    expect(page.text).not.toContain('sk-dashboard-secret');
    // Not even the last four characters (non-hex, so no random token on the page can hold them).
    expect(page.text).not.toContain('wxyz');
    await agent.delete('/api/keys').set('x-csrf-token', token);
  });

  it('lists recent interviews with their scores, and draws the score chart from two scored ones', async () => {
    await clear();
    await seedInterview(app.db, userId, { jobRole: 'Data Analyst', startedAt: T0, feedback: 2 });
    let page = await agent.get('/dashboard');
    expect(page.text).toContain('Data Analyst');
    expect(page.text).toMatch(/score-badge score-2/);
    expect(page.text).not.toContain('class="score-chart"');

    await seedInterview(app.db, userId, { jobRole: 'Platform Engineer', startedAt: T0 + DAY, feedback: 4 });
    await seedInterview(app.db, userId, { jobRole: 'No Feedback Role', startedAt: T0 + 2 * DAY });
    page = await agent.get('/dashboard');
    expect(page.text).toContain('class="score-chart"');
    expect(page.text).toContain('oldest first, out of 5: Data Analyst 2; Platform Engineer 4.');
    expect(page.text.match(/<circle class="chart-point"/g)).toHaveLength(2);
    expect(page.text).toContain('No feedback yet');
    const recent = page.text.slice(page.text.indexOf('id="recent-heading"'));
    expect([...recent.matchAll(/<h3 class="interview-title"><a [^>]+>([^<]+)</g)].map((m) => m[1])).toEqual([
      'No Feedback Role',
      'Platform Engineer',
      'Data Analyst',
    ]);
  });

  it('points to the room of a live interview', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { status: 'live' });
    const page = await agent.get('/dashboard');
    expect(page.text).toContain(`href="/interviews/${id}/room"`);
  });
});

describe('the history page', () => {
  it('lists interviews newest first, 20 a page, with links between pages', async () => {
    await clear();
    for (let i = 0; i < 23; i++) await seedInterview(app.db, userId, { jobRole: `Role ${String(i).padStart(2, '0')}`, startedAt: T0 + i * DAY });
    const first = await agent.get('/interviews');
    expect(first.status).toBe(200);
    const roles = [...first.text.matchAll(/>Role (\d\d)</g)].map((m) => m[1]);
    expect(roles).toHaveLength(20);
    expect(roles[0]).toBe('22');
    expect(roles[19]).toBe('03');
    expect(first.text).toContain('23 interviews, newest first');
    expect(first.text).toContain('href="/interviews?page=2"');
    const second = await agent.get('/interviews?page=2');
    expect([...second.text.matchAll(/>Role (\d\d)</g)].map((m) => m[1])).toEqual(['02', '01', '00']);
    expect(second.text).toContain('Page 2 of 2');
    // A page past the end goes back to the first.
    expect((await agent.get('/interviews?page=9')).get('location')).toBe('/interviews');
  });

  it('filters with ?q=', async () => {
    await clear();
    await seedInterview(app.db, userId, { jobRole: 'Backend Engineer' });
    await seedInterview(app.db, userId, { jobRole: 'Product Designer' });
    const page = await agent.get('/interviews?q=design');
    expect(page.text).toContain('Product Designer');
    expect(page.text).not.toContain('Backend Engineer');
    expect(page.text).toContain('1 interview match “design”');
    const none = await agent.get('/interviews?q=astronaut');
    expect(none.text).toContain('No interviews match “astronaut”');
  });

  it('has an empty state pointing to starting one', async () => {
    await clear();
    const page = await agent.get('/interviews');
    expect(page.text).toContain('You have no interviews yet');
    expect(page.text).toContain('href="/interviews/new"');
  });

  it('renders the results alone for the page’s script: the same cards, count and pager, without the layout', async () => {
    await clear();
    await seedInterview(app.db, userId, { jobRole: 'Backend Engineer' });
    await seedInterview(app.db, userId, { jobRole: 'Product Designer', feedback: 4 });
    const page = await agent.get('/interviews?q=design');
    const results = await agent.get('/interviews/results?q=design');
    expect(results.status).toBe(200);
    expect(results.get('cache-control')).toBe('no-store');
    expect(results.text).not.toContain('<html');
    const cards = (html: string) => html.slice(html.indexOf('<ul class="interview-list"'), html.indexOf('</ul>', html.indexOf('<ul class="interview-list"')));
    expect(cards(results.text)).toBe(cards(page.text));
    expect(results.text).toContain('1 interview match “design”');
    expect(results.text).toContain('data-href="/interviews?q=design"');
    // Past the last page (its last interview deleted): the first page.
    expect((await agent.get('/interviews/results?q=design&page=3')).get('location')).toBe('/interviews/results?q=design');
    await request(app.server).get('/interviews/results').expect(303);
  });
});

describe('the interview page', () => {
  it('shows the facts, the transcript by stage with times into the interview, and export links', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { jobRole: 'Frontend Engineer' });
    const page = await agent.get(`/interviews/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Frontend Engineer interview');
    const stages = [...page.text.matchAll(/<h3 id="stage-\d">([^<]+)<\/h3>/g)].map((m) => m[1]);
    expect(stages).toEqual(['Welcome', 'Self-introduction', 'Past experience', 'Closing']);
    expect(page.text).toMatch(/<span class="line-time"[^>]*>00:38<\/span> <span class="line-who">Priya Patel<\/span>/);
    expect(page.text).toContain(`href="/api/interviews/${id}/export?format=json"`);
    expect(page.text).toContain(`href="/api/interviews/${id}/export?format=md"`);
    expect(page.text).toContain('data-action="generate"');
    expect(page.text).not.toContain('class="report"');
  });

  it('exports the whole interview (facts in the page\'s words, transcript, feedback, analytics) in the reader\'s time zone', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { feedback: 3, durationMs: 52_000 });
    const md = await agent.get(`/api/interviews/${id}/export?format=md&tz=America/New_York`);
    expect(md.status, md.text).toBe(200);
    expect(md.get('cache-control')).toBe('no-store');
    const startedAt = new Date(T0);
    const local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/New_York' }).format(startedAt);
    expect(md.text).toContain(`- Date: ${local} America/New_York`);
    expect(md.text).toContain('- Level: Mid-level');
    expect(md.text).toContain('- Duration: 52 s');
    expect(md.text).toContain('- Ending: Finished by the interviewer');
    expect(md.text).not.toMatch(/\(mid\)|Ended by: completed|\d{4}-\d\d-\d\dT/);
    expect(md.text).toContain('## Transcript');
    expect(md.text).toContain('I led the payment form rewrite');
    expect(md.text).toContain('### Overall: 3/5');
    expect(md.text).toContain('Day 7: Focus 7');
    expect(md.text).toContain('### Speaking analytics');
    // A time zone the server does not know is UTC, said as such.
    const utc = await agent.get(`/api/interviews/${id}/export?format=md&tz=Mars/Olympus`);
    expect(utc.text).toMatch(/- Date: .* UTC\n/);

    const json = (await agent.get(`/api/interviews/${id}/export?format=json&tz=Asia/Tokyo`)).body;
    expect(json).toMatchObject({ id, timeZone: 'Asia/Tokyo', facts: { level: 'Mid-level', duration: '52 s' } });
    expect(json.facts.dateText).toMatch(/ Asia\/Tokyo$/);
    // The feedback as GET /api/interviews/:id/feedback gives it.
    expect(json.feedback.feedback.overall.score).toBe(3);
    expect(json.analytics.answers.count).toBeGreaterThan(0);

    // Without feedback the export says so, and still carries the analytics.
    const bare = await seedInterview(app.db, userId, {});
    const bareMd = (await agent.get(`/api/interviews/${bare}/export?format=md`)).text;
    expect(bareMd).toContain('No feedback yet: generate it on the interview page.');
    expect(bareMd).toContain('### Speaking analytics');
  });

  it('renders stored feedback: ring, competencies with bars, best and weakest, analytics and the plan', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { feedback: 3 });
    const page = await agent.get(`/interviews/${id}`);
    expect(page.text).toContain('aria-label="Overall score 3 out of 5"');
    expect(page.text.match(/<li class="competency">/g)).toHaveLength(3);
    expect(page.text).toMatch(/Best<\/span> Impact \(4\/5\)/);
    expect(page.text).toMatch(/Weakest<\/span> Ownership \(2\/5\)/);
    expect(page.text).toContain('Lead every story with its number.');
    expect(page.text).toContain('I led the payment form rewrite');
    expect(page.text).toMatch(/“um”/);
    expect(page.text).toContain('words per minute');
    expect(page.text).toContain('Day 7: Focus 7');
    expect(page.text).toContain(`href="/api/interviews/${id}/feedback/export"`);
    expect(page.text).toContain('Regenerate');
    // The panel alone, as the page's script swaps it in.
    const panel = await agent.get(`/interviews/${id}/feedback-panel`);
    expect(panel.status).toBe(200);
    expect(panel.text).not.toContain('<html');
    expect(panel.text).toContain('aria-label="Overall score 3 out of 5"');
  });

  const SLOW = 'api.example.com did not finish within 55 s; nothing was saved. Try again, or choose a faster model in Settings → Keys.';
  const markFeedback = (id: string, status: 'generating' | 'failed', error: string | null = null) =>
    app.db.query('update public.interviews set feedback_status = $2, feedback_error = $3 where id = $1', [id, status, error]);

  it('keeps the previous report after a failed regeneration, with a note and Try again', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { feedback: 3 });
    await markFeedback(id, 'failed', SLOW);
    for (const path of [`/interviews/${id}`, `/interviews/${id}/feedback-panel`]) {
      const html = (await agent.get(path)).text;
      expect(html, path).toContain(
        'The last attempt to regenerate failed: api.example.com did not finish within 55 s; nothing was saved. Try again, or choose a faster model in Settings → Keys. Your previous feedback is shown.',
      );
      expect(html).toContain('aria-label="Overall score 3 out of 5"');
      expect(html.match(/<li class="competency">/g)).toHaveLength(3);
      expect(html).toContain(`href="/api/interviews/${id}/feedback/export"`);
      expect(html).toMatch(/<button type="button" class="button secondary" data-action="generate">Try again<\/button>/);
      expect(html).not.toContain('Regenerate');
      expect(html).not.toContain('feedback-promo');
    }
    expect((await agent.get(`/interviews/${id}`)).text).toContain('data-status="failed"');
  });

  it('keeps the previous report while a regeneration runs, with progress shown', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { feedback: 3 });
    await markFeedback(id, 'generating');
    const html = (await agent.get(`/interviews/${id}`)).text;
    expect(html).toContain('data-status="generating"');
    expect(html).toMatch(/<p id="feedback-progress"[^>]*data-state="busy">Regenerating your feedback\. The current report stays here until the new one is ready…<\/p>/);
    expect(html).toContain('aria-label="Overall score 3 out of 5"');
    expect(html).toContain(`href="/api/interviews/${id}/feedback/export"`);
    expect(html).toMatch(/data-action="generate" disabled>Regenerate<\/button>/);
    expect(html).not.toContain('regenerate failed');
  });

  it('says a first generation failed, without a report, and offers Try again', async () => {
    await clear();
    const id = await seedInterview(app.db, userId);
    await markFeedback(id, 'failed', SLOW);
    const html = (await agent.get(`/interviews/${id}`)).text;
    expect(html).toContain('The last attempt failed: api.example.com did not finish within 55 s; nothing was saved. Try again, or choose a faster model in Settings → Keys.</p>');
    expect(html).toMatch(/data-action="generate">Try again<\/button>/);
    expect(html).toContain('class="feedback-promo"');
    expect(html).not.toContain('class="report"');
    expect(html).toMatch(/<p id="feedback-progress"[^>]*><\/p>/);
  });

  it('links a live interview to its room instead of offering feedback', async () => {
    await clear();
    const id = await seedInterview(app.db, userId, { status: 'live' });
    const page = await agent.get(`/interviews/${id}`);
    expect(page.text).toContain(`href="/interviews/${id}/room"`);
    expect(page.text).not.toContain('data-action="generate"');
  });

  it('is a 404 page for another user’s interview, a malformed id, and an unknown one', async () => {
    const theirs = await seedInterview(app.db, await otherUserId(app.db), { jobRole: 'Secret Role' });
    for (const path of [`/interviews/${theirs}`, `/interviews/${theirs}/feedback-panel`, '/interviews/00000000-0000-4000-8000-000000000000', '/interviews/not-an-id']) {
      const page = await agent.get(path);
      expect(page.status, path).toBe(404);
      expect(page.text).toContain('Page not found');
      expect(page.text).not.toContain('Secret Role');
    }
  });

  it('sends a signed-out browser to sign in', async () => {
    await request(app.server).get('/interviews').expect(303).expect('location', '/');
  });
});

describe('user-supplied text', () => {
  it('is escaped on the dashboard, the history and the interview page', async () => {
    await clear();
    const items = shiftedItems(T0).map((i) => (i.role === 'user' ? { ...i, text: `${i.text} <script>alert(2)</script>` } : i));
    const id = await seedInterview(app.db, userId, { candidateName: XSS_NAME, jobRole: `${XSS_NAME} Engineer`, items, feedback: 4 });
    await seedInterview(app.db, userId, { candidateName: XSS_NAME, feedback: 3, startedAt: T0 - DAY });
    for (const path of ['/dashboard', '/interviews', `/interviews/${id}`, `/interviews?q=${encodeURIComponent('<img')}`]) {
      const page = await agent.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toContain('<img src=x');
      expect(page.text, path).not.toContain('<script>alert');
      expect(page.text, path).toContain(ESCAPED_XSS);
    }
  });
});

/** The section's table as text: header cells, body rows and the median row, tags and spaces squeezed out. */
async function timesTable(id: string) {
  const html = (await agent.get(`/interviews/${id}`)).text;
  const section = /<section class="card response-times"[\s\S]*?<\/section>/.exec(html)?.[0];
  if (!section) return null;
  const cells = (row: string) =>
    [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => m[1]!.replace(/<span class="visually-hidden">([^<]*)<\/span>/g, '($1)').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
  const rows = (part: string) => [...(new RegExp(`<${part}>([\\s\\S]*?)</${part}>`).exec(section)?.[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => cells(m[1]!));
  return { section, head: rows('thead')[0], body: rows('tbody'), foot: rows('tfoot')[0] };
}

describe('the interview page: response times', () => {
  it('lists each voice turn in order with its stage, where the time went, and the medians', async () => {
    const id = await seedInterview(app.db, userId, { mode: 'voice', metrics: VOICE_METRICS });
    const table = await timesTable(id);
    expect(table).not.toBeNull();
    expect(table!.section).toContain('<h2 id="response-times-heading">Response times</h2>');
    expect(table!.head).toEqual(['Turn', 'Waiting for the end of your answer', 'Model (first token)', 'Voice (first audio)']);
    expect(table!.body).toEqual([
      ['1 Welcome', '—(not measured)', '0.4 s', '0.2 s'],
      ['2 Self-introduction', '0.6 s', '1.3 s', '—(not measured)'],
      ['3 Self-introduction', '0.6 s', '0.4 s', '0.2 s'],
      ['4 Past experience', '0.7 s', '0.5 s', '0.2 s'],
    ]);
    expect(table!.foot).toEqual(['Median', '0.6 s', '0.5 s', '0.2 s']);
    expect(table!.section).toMatch(/<th scope="col"[^>]*>Model/);
    expect(table!.section).toMatch(/<th scope="row">Median<\/th>/);
    expect(table!.section).toContain(
      'The model and voice columns are time spent at your own providers before they start to answer, not in MockFlow; the wait for the end of your answer is the interview’s patience setting: how long it lets you pause before it replies.',
    );
  });

  it('shows a text interview’s model figures only: no voice or end-of-answer column, no zeros', async () => {
    const id = await seedInterview(app.db, userId, { mode: 'text', metrics: TEXT_METRICS });
    const table = await timesTable(id);
    expect(table!.head).toEqual(['Turn', 'Model (first token)']);
    expect(table!.body).toEqual([
      ['1 Welcome', '35 ms'],
      ['2 Self-introduction', '40 ms'],
      ['3 Self-introduction', '0.9 s'],
    ]);
    expect(table!.foot).toEqual(['Median', '40 ms']);
    expect(table!.section).not.toMatch(/Voice|end of your answer|0\.0 s|\b0 ms/);
    expect(table!.section).toContain('The model column is time spent at your own provider before it starts to answer, not in MockFlow.');
  });

  it('has no section for an interview without figures', async () => {
    const id = await seedInterview(app.db, userId);
    expect(await timesTable(id)).toBeNull();
    expect((await agent.get(`/interviews/${id}`)).text).not.toContain('Response times');
  });

  it('puts the same per-turn figures and medians in the API’s interview', async () => {
    const id = await seedInterview(app.db, userId, { mode: 'voice', metrics: VOICE_METRICS });
    const reply = await agent.get(`/api/interviews/${id}`);
    expect(reply.status).toBe(200);
    const { responseTimes } = reply.body;
    expect(responseTimes.medians).toEqual({ endOfUtteranceDelayMs: 600, llmTtftMs: 460, ttsTtfbMs: 220 });
    expect(responseTimes.turns).toHaveLength(4);
    expect(responseTimes.turns[1]).toEqual({ stage: 'self_intro', at: VOICE_METRICS[1]!.at, endOfUtteranceDelayMs: 600, llmTtftMs: 1250, ttsTtfbMs: null });

    const text = await seedInterview(app.db, userId, { mode: 'text', metrics: TEXT_METRICS });
    const textTimes = (await agent.get(`/api/interviews/${text}`)).body.responseTimes;
    expect(textTimes.medians).toEqual({ endOfUtteranceDelayMs: null, llmTtftMs: 40, ttsTtfbMs: null });
    expect(textTimes.turns.every((t: { ttsTtfbMs: unknown }) => t.ttsTtfbMs === null)).toBe(true);
  });

  it('writes a figure under a tenth of a second in ms, so a fast reply never reads as zero', () => {
    expect([0, 4, 99.4, 100, 420, 1_250, 12_040].map(latencyText)).toEqual(['0 ms', '4 ms', '99 ms', '0.1 s', '0.4 s', '1.3 s', '12.0 s']);
  });
});
