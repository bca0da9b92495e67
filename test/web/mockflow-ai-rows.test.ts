// A deployment of the Python original (MockFlow-AI) switching over: its database was made with
// the original's deployment guide and holds interviews and feedback in the original's shapes.
// The server migrates it on start and shows every row over HTTP, without rewriting any of them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/db/migrate.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { validFeedback } from '../feedback/fixture.ts';
import { generatedFeedback } from '../feedback/helpers.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type Agent } from '../helpers/session.ts';
import { databaseKinds, type TestDatabase } from '../helpers/databases.ts';
import { insertOriginalRows, makeGuideDatabase, type OriginalRows } from '../db/mockflow-ai.ts';
import { seedInterview } from './seed.ts';

const KEY = 'sk-switch-over-test-0000';

describe.each(databaseKinds)('rows of the Python original on $name', (kind) => {
  let database: TestDatabase;
  let app: TestApp;
  let agent: Agent;
  let token: string;
  let llm: FakeOpenAI;
  let rows: OriginalRows;
  let stored: string;
  let userId: string;

  beforeAll(async () => {
    llm = await startFakeOpenAI({ apiKey: KEY, defaultReply: () => JSON.stringify(validFeedback()) });
    database = await kind.open({ migrate: false });
    const { db } = database;
    await makeGuideDatabase(db, kind.name);
    userId = (await db.query<{ id: string }>(`insert into auth.users (email) values ('sam@example.test') returning id`)).rows[0]!.id;
    rows = await insertOriginalRows(db, userId);
    stored = JSON.stringify((await db.query('select * from public.interviews order by id')).rows);
    await migrate(db);
    // Signing in maps to the same user, as Supabase Auth does for the same Google account.
    await db.query(`insert into mockflow.identities (provider, subject, user_id) values ('local', 'local', $1)`, [userId]);
    app = await startTestApp({ db });
    ({ agent, token } = await signInLocally(app));
  });
  afterAll(async () => {
    await app?.close();
    await database?.dispose();
    await llm?.close();
  });

  it('shows the transcript with each answer as one turn, grouped by stage, and the original facts', async () => {
    const page = await agent.get(`/interviews/${rows.fragments}`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('Hello. I&#39;m. ready to start');
    expect(page.text).toContain('so basically I um worked on payments at a fintech for three years');
    expect(page.text.match(/class="line by-candidate"/g)).toHaveLength(3);
    expect(page.text.match(/class="line by-interviewer"/g)).toHaveLength(4);
    expect([...page.text.matchAll(/<h3 id="stage-\d+">([^<]+)</g)].map((m) => m[1])).toEqual(['Welcome', 'Self-introduction', 'Past experience', 'Closing']);
    expect(page.text).toContain('Finished by the interviewer');
    expect(page.text).toContain('Company and role fit'); // skipped
    expect(page.text).toMatch(/<dt>Turns<\/dt><dd>3 yours, 4 the interviewer’s/);
    // Times into the interview, from its first line; the duration from its transcript.
    expect(page.text).toContain('<span class="line-time" title="Minutes and seconds into the interview">00:12</span>');
    expect(page.text).toMatch(/<dt>Duration<\/dt><dd>1 min<\/dd>/);
    expect(page.text).toContain('datetime="2023-11-14T22:13:20.250Z"');
  });

  it('shows the original feedback: scores in the ring and bars, its Markdown rendered with nothing of it run', async () => {
    const page = await agent.get(`/interviews/${rows.fragments}`);
    expect(page.text).toContain('aria-label="Overall score 3.2 out of 5"');
    expect(page.text).toContain('Solid answers that need more structure.');
    expect(page.text).toContain('<span class="competency-score">4/5</span>');
    expect(page.text).toContain('<h4>Overall Assessment</h4>');
    expect(page.text).toContain('<h5>Strengths</h5>');
    expect(page.text).toContain('Sam gave <strong>clear</strong> answers with <em>some</em> filler words.');
    expect(page.text).toContain('<li>Concrete example: the <code>ledger</code> rebuild</li>');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;legacy&quot;)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toMatch(/href="javascript:/i);
    expect(page.text).toContain('data-action="generate"');
  });

  it('shows feedback without scores, an empty conversation and a NULL one, all 200', async () => {
    const empty = await agent.get(`/interviews/${rows.empty}`);
    expect(empty.status, empty.text).toBe(200);
    expect(empty.text).toContain('Nothing was said in this interview.');
    expect(empty.text).toContain('<h4>Overall</h4>');
    expect(empty.text).toContain('Not much was said.');
    expect(empty.text).not.toContain('class="score-ring"');
    expect(empty.text).toContain('Ended by you');
    expect(empty.text).toContain('<h1>Interview interview');

    const missing = await agent.get(`/interviews/${rows.missing}`);
    expect(missing.status, missing.text).toBe(200);
    expect(missing.text).toContain('Nothing was said in this interview.');
    expect(missing.text).toContain('Generate feedback');
    expect(missing.text).toContain('datetime="2023-11-16T10:00:00.000Z"');
  });

  it('shows what it can of a row it cannot wholly read, and says what it could not', async () => {
    const page = await agent.get(`/interviews/${rows.unreadable}`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('Only this survived.');
    expect(page.text).toContain('2 transcript lines could not be read and are not shown.');
    expect(page.text).toContain('The feedback saved for this interview could not be read.');
    const api = await agent.get(`/api/interviews/${rows.unreadable}`);
    expect(api.status).toBe(200);
    expect(api.body.problems).toEqual(['2 transcript lines could not be read and are not shown.']);
    const feedback = await agent.get(`/api/interviews/${rows.unreadable}/feedback`);
    expect(feedback.body).toMatchObject({ status: 'none', unreadable: expect.stringContaining('could not be read') });
    const download = await agent.get(`/api/interviews/${rows.unreadable}/feedback/export`);
    expect(download.status).toBe(404);
  });

  it('exports every row as Markdown and JSON, and the original feedback as Markdown', async () => {
    const md = await agent.get(`/api/interviews/${rows.fragments}/export?format=md`);
    expect(md.status, md.text).toBe(200);
    expect(md.text).toContain("**[00:04] Sam Lee:** Hello. I'm. ready to start");
    expect(md.text).toContain('- Ending: Finished by the interviewer');
    // The original's feedback comes with it, a heading level down.
    expect(md.text).toContain('### Overall: 3.2/5');
    expect(md.text).toContain('## Past experience');
    const data = await agent.get(`/api/interviews/${rows.fragments}/export?format=json`);
    expect(data.status).toBe(200);
    expect(data.body.items.map((i: { role: string }) => i.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    for (const id of [rows.empty, rows.missing, rows.unreadable]) {
      const other = await agent.get(`/api/interviews/${id}/export?format=md`);
      expect(other.status, other.text).toBe(200);
      expect(other.text).toContain('- Candidate: Sam Lee');
    }
    const feedback = await agent.get(`/api/interviews/${rows.fragments}/feedback/export`);
    expect(feedback.status, feedback.text).toBe(200);
    expect(feedback.text).toContain('## Overall: 3.2/5');
    expect(feedback.text).toContain('- **Technical Skills:** 4/5 — Knew the ledger inside out');
    expect(feedback.text).toContain('Sam gave **clear** answers');
  });

  it('lists every row in the history and the API, and draws the original score in the dashboard chart', async () => {
    await seedInterview(app.db, userId, { jobRole: 'Platform Engineer', startedAt: Date.parse('2026-11-30T10:00:00Z'), feedback: 4 });
    const history = await agent.get('/interviews');
    expect(history.status, history.text).toBe(200);
    for (const role of ['Backend Engineer', 'Data Analyst', 'Designer', 'Platform Engineer']) expect(history.text).toContain(role);
    expect(history.text).toMatch(/score-badge score-3"><span class="visually-hidden">Overall score <\/span>3.2/);
    const dashboard = await agent.get('/dashboard');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toMatch(/oldest first, out of 5: [^<]+ 3\.2; Platform Engineer 4\./);
    const list = (await agent.get('/api/interviews')).body;
    const byId = new Map(list.interviews.map((i: { id: string }) => [i.id, i]));
    expect(byId.get(rows.fragments)).toMatchObject({ score: 3.2, endedBy: 'completed', durationSeconds: 62, messages: 11 });
    expect(byId.get(rows.empty)).toMatchObject({ score: null, jobRole: null, finalStage: null, endedBy: 'candidate', durationSeconds: null });
    expect(byId.get(rows.missing)).toMatchObject({ endedBy: null, mode: 'voice', status: 'ended' });
  });

  it('regenerates the original feedback in our shape from the joined transcript', async () => {
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
    const before = llm.requests.length;
    const started = await agent.post(`/api/interviews/${rows.fragments}/feedback`).set('x-csrf-token', token);
    expect(started.status, started.text).toBe(202);
    const body = await generatedFeedback(agent, rows.fragments);
    expect(body.status).toBe('ready');
    expect(body.feedback).toMatchObject({ version: 1, model: 'fake-model' });
    expect(body.feedback.analytics.answers.count).toBe(3);
    const prompt = JSON.stringify(llm.requests.slice(before).find((r) => r.path.endsWith('/chat/completions'))!.body);
    expect(prompt).toContain("Hello. I'm. ready to start");
    const page = await agent.get(`/interviews/${rows.fragments}`);
    expect(page.text).toContain(`aria-label="Overall score ${validFeedback().overall.score} out of 5"`);
  });

  it('left every stored interview as the original wrote it', async () => {
    const now = (await app.db.query(
      `select id, user_id, candidate_name, interview_date, room_name, job_role, experience_level, conversation, total_messages,
              skipped_stages, final_stage, ended_by, has_resume, has_jd, created_at
         from public.interviews where id = any($1) order by id`,
      [Object.values(rows)],
    )).rows;
    expect(JSON.stringify(now)).toBe(stored);
  });

  it('treats an original interview as an ended voice interview: no room to rejoin, and its owner can delete it', async () => {
    const room = await agent.get(`/interviews/${rows.fragments}/room`);
    expect(room.status).toBe(303);
    expect(room.get('location')).toBe(`/interviews/${rows.fragments}`);
    const pass = await agent.post(`/api/interviews/${rows.fragments}/room-pass`).set('x-csrf-token', token);
    expect(pass.status).toBe(409);
    const deleted = await agent.delete(`/api/interviews/${rows.unreadable}`).set('x-csrf-token', token);
    expect(deleted.status).toBe(204);
    await agent.get(`/interviews/${rows.unreadable}`).expect(404);
    const feedback = await app.db.query('select 1 from public.feedback where interview_id = $1', [rows.unreadable]);
    expect(feedback.rows).toHaveLength(0);
  });
});
