import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { withUser, type Database } from '../../server/db/database.ts';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type SignedIn } from '../helpers/session.ts';
import { openEvents } from '../helpers/sse.ts';
import { otherUserId, seedInterview } from '../web/seed.ts';
import { interviewItems, interviewStageEvents, T0, validFeedback } from './fixture.ts';
import { generatedFeedback } from './helpers.ts';
import { freshPglite } from '../helpers/databases.ts';

const KEY = 'sk-feedback-api-test-0000';
let llm: FakeOpenAI;
let replies: FakeReply[] = [];
let app: TestApp | undefined;

beforeAll(async () => {
  llm = await startFakeOpenAI({ apiKey: KEY, defaultReply: () => replies.shift() ?? 'not json at all' });
});
afterAll(() => llm.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function signedInWithEndedInterview(items = interviewItems, db?: Database, mode: 'voice' | 'text' = 'voice'): Promise<SignedIn & { id: string }> {
  app = await startTestApp({ db });
  const user = await signInLocally(app);
  const { agent, token, userId } = user;
  await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
  const id = await withUser(app.db, userId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into interviews (user_id, candidate_name, job_role, experience_level, mode, status, conversation, stage_events,
                               started_at, ended_at, ended_by, final_stage)
       values ($1, 'Priya', 'Frontend Engineer', 'mid', $6, 'ended', $2, $3, to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0), 'completed', 'closing')
       returning id`,
      [userId, JSON.stringify(items), JSON.stringify(interviewStageEvents), T0, T0 + 45_000, mode],
    );
    return rows[0]!.id;
  });
  return { ...user, id };
}

/**
 * PGlite, migrated, whose transactions that read saved keys take `delay.ms` longer once they have
 * committed: a slow moment under load, when a second request could arrive mid-way.
 */
async function slowKeysDb(delay: { ms: number }): Promise<Database> {
  const db = await freshPglite();
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    async transaction(fn) {
      let readKeys = false;
      const result = await db.transaction((tx) =>
        fn({
          query: (sql, params) => {
            if (/^\s*select\b[\s\S]*\bfrom public\.user_api_keys\b/i.test(sql)) readKeys = true;
            return tx.query(sql, params);
          },
          exec: (sql) => tx.exec(sql),
        }),
      );
      if (readKeys && delay.ms > 0) await sleep(delay.ms);
      return result;
    },
  };
}

const chatCalls = () => llm.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('feedback over HTTP', () => {
  it('generates with the owner\'s model, reports progress on the event stream, stores it, and serves it as Markdown', async () => {
    const { agent, token, cookie, id } = await signedInWithEndedInterview();
    const answer = validFeedback();
    answer.competencies[0]!.evidenceQuote = 'I single-handedly invented React.';
    replies = [JSON.stringify(answer)];
    const before = llm.requests.length;
    expect((await agent.get(`/api/interviews/${id}/feedback`)).body).toEqual({ status: 'none' });

    const stream = await openEvents(`${app!.url}/api/interviews/${id}/events`, { cookie });
    const started = await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token);
    expect(started.status).toBe(202);
    await stream.next((e) => e.event === 'feedback' && e.data.status === 'generating');
    await stream.next((e) => e.event === 'feedback' && e.data.status === 'ready');
    stream.close();

    const body = await generatedFeedback(agent, id);
    expect(body.status).toBe('ready');
    expect(body.feedback).toMatchObject({ version: 1, model: 'fake-model', droppedQuotes: 1 });
    expect(body.feedback.feedback.overall).toEqual(answer.overall);
    // The fabricated quote is not shown as theirs.
    expect(body.feedback.feedback.competencies[0].evidenceQuote).toBeNull();
    expect(body.feedback.analytics.answers.count).toBe(4);
    expect(llm.requests.length - before).toBe(1);
    const stored = await app!.db.query<{ n: number }>('select count(*)::int as n from feedback where interview_id = $1', [id]);
    expect(stored.rows[0]!.n).toBe(1);

    const md = await agent.get(`/api/interviews/${id}/feedback/export`);
    expect(md.get('content-type')).toMatch(/text\/markdown/);
    expect(md.text).toContain(answer.overall.headline);

    // Regenerating replaces it: still one row.
    replies = [JSON.stringify({ ...validFeedback(), overall: { score: 2, headline: 'Second opinion' } })];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    const regenerated = await generatedFeedback(agent, id);
    expect(regenerated.feedback.feedback.overall.headline).toBe('Second opinion');
    expect((await app!.db.query<{ n: number }>('select count(*)::int as n from feedback')).rows[0]!.n).toBe(1);
  });

  it('fails plainly when the model answers unusable JSON twice, and stores nothing', async () => {
    const { agent, token, id } = await signedInWithEndedInterview();
    replies = ['{"overall": ', 'still not json'];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    const body = await generatedFeedback(agent, id);
    expect(body.status).toBe('failed');
    expect(body.error).toMatch(/could not be used twice/);
    expect(body.feedback).toBeUndefined();
    expect((await app!.db.query('select 1 from feedback')).rows).toHaveLength(0);
  });

  it('refuses a transcript too short to judge with 422, without calling the model', async () => {
    const { agent, token, id } = await signedInWithEndedInterview(interviewItems.slice(0, 4));
    const before = llm.requests.length;
    const reply = await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token);
    expect(reply.status).toBe(422);
    expect(reply.body.message).toMatch(/answer/);
    expect(llm.requests.length).toBe(before);
  });

  it('starts one generation for two quick requests, and answers both 202', async () => {
    const delay = { ms: 0 };
    const db = await slowKeysDb(delay);
    onTestFinished(() => db.close());
    const { agent, token, id } = await signedInWithEndedInterview(interviewItems, db);
    delay.ms = 1000;
    replies = [{ content: JSON.stringify(validFeedback()), delayMs: 300 }, JSON.stringify(validFeedback())];
    const before = chatCalls();
    const post = () => agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).send({});
    const answers = await Promise.all([post(), post()]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(answers.map((a) => a.body)).toEqual([{ status: 'generating' }, { status: 'generating' }]);
    expect((await generatedFeedback(agent, id)).status).toBe('ready');
    expect(chatCalls() - before).toBe(1);
    delay.ms = 0;
    // Released when done: a later request starts a new one.
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    expect((await generatedFeedback(agent, id)).status).toBe('ready');
    expect(chatCalls() - before).toBe(2);
  });

  it('starts no second generation from another server process while one is under way', async () => {
    const db = await freshPglite();
    onTestFinished(() => db.close());
    const { agent, token, cookie, id } = await signedInWithEndedInterview(interviewItems, db);
    const other = await startTestApp({ db });
    onTestFinished(() => other.close());
    replies = [{ content: JSON.stringify(validFeedback()), delayMs: 500 }, JSON.stringify(validFeedback())];
    const before = chatCalls();
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    // The same browser, sent to the other process: it sees the generation under way and joins it.
    const there = await request(other.server).post(`/api/interviews/${id}/feedback`).set('cookie', cookie).set('x-csrf-token', token).send({});
    expect([there.status, there.body]).toEqual([202, { status: 'generating' }]);
    expect((await generatedFeedback(agent, id)).status).toBe('ready');
    expect(chatCalls() - before).toBe(1);
  });

  it('releases the claim when a request fails before generating, so the next one can start', async () => {
    const { agent, token, id } = await signedInWithEndedInterview();
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: '' });
    const refused = await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token);
    expect(refused.status).toBe(412);
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
    replies = [JSON.stringify(validFeedback())];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    expect((await generatedFeedback(agent, id)).status).toBe('ready');
  });

  it('keeps the previous feedback in the answer while a regeneration runs and after it fails', async () => {
    const { agent, token, id } = await signedInWithEndedInterview();
    replies = [JSON.stringify(validFeedback())];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token);
    const first = await generatedFeedback(agent, id);
    expect(first.status).toBe('ready');

    replies = [{ content: '{"overall": ', delayMs: 400 }, 'still not json'];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    const during = (await agent.get(`/api/interviews/${id}/feedback`)).body;
    expect(during).toEqual({ status: 'generating', feedback: first.feedback });

    const after = await generatedFeedback(agent, id);
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/could not be used twice/);
    expect(after.feedback).toEqual(first.feedback);
    // The stored report is the previous one, and it still downloads.
    const md = await agent.get(`/api/interviews/${id}/feedback/export`);
    expect(md.status).toBe(200);
    expect(md.text).toContain(validFeedback().overall.headline);
  });

  it("answers 404 for another user's interview on every feedback route, and leaves it alone", async () => {
    const { agent, token } = await signedInWithEndedInterview();
    const owner = await otherUserId(app!.db);
    const theirs = await seedInterview(app!.db, owner, { feedback: 4 });
    const before = chatCalls();
    const routes: ['get' | 'post', string][] = [
      ['get', `/api/interviews/${theirs}/feedback`],
      ['get', `/api/interviews/${theirs}/feedback/export`],
      ['post', `/api/interviews/${theirs}/feedback`],
    ];
    for (const [method, path] of routes) {
      const reply = method === 'get' ? await agent.get(path) : await agent.post(path).set('x-csrf-token', token);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.text).not.toContain(validFeedback().overall.headline);
    }
    expect(chatCalls()).toBe(before);
    const row = await app!.db.query<{ feedback_status: string | null }>('select feedback_status from interviews where id = $1', [theirs]);
    expect(row.rows[0]!.feedback_status).toBeNull();
  });

  it('refuses a feedback request without the CSRF token, without calling the model', async () => {
    const { agent, id } = await signedInWithEndedInterview();
    const before = chatCalls();
    const reply = await agent.post(`/api/interviews/${id}/feedback`).send({}).expect(403);
    expect(reply.body.error).toBe('csrf');
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', 'forged').send({}).expect(403);
    expect(chatCalls()).toBe(before);
    expect((await agent.get(`/api/interviews/${id}/feedback`)).body).toEqual({ status: 'none' });
  });

  it('shows no filler words or speaking pace for a text interview, on the page, in the API or in the Markdown', async () => {
    const { agent, token, id } = await signedInWithEndedInterview(interviewItems, undefined, 'text');
    replies = [JSON.stringify(validFeedback())];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    const body = await generatedFeedback(agent, id);
    expect(body.status).toBe('ready');
    expect(body.feedback.analytics.fillerWords).toBeNull();
    expect(body.feedback.analytics.wordsPerMinute).toBeNull();
    expect(body.feedback.analytics.answers.count).toBe(4);

    const md = (await agent.get(`/api/interviews/${id}/feedback/export`)).text;
    expect(md).toContain('## Answer analytics');
    expect(md).toContain('- Answers: 4;');
    expect(md).not.toMatch(/- Filler words|Speaking pace|Speaking analytics/);

    const page = (await agent.get(`/interviews/${id}`)).text;
    expect(page).toContain('Answer analytics');
    expect(page).toContain('measured in voice interviews only: these answers were typed');
    expect(page).not.toMatch(/<dt>Filler words|Filler words by word|<dt>Speaking pace/);
  });

  it('counts a voice interview\'s fillers by the current rules, also in feedback saved under the old ones', async () => {
    const { agent, token, id } = await signedInWithEndedInterview();
    replies = [JSON.stringify(validFeedback())];
    await agent.post(`/api/interviews/${id}/feedback`).set('x-csrf-token', token).expect(202);
    await generatedFeedback(agent, id);
    // What the old rules saved for this transcript: "so" and every "like" counted.
    await app!.db.query(
      `update feedback set feedback_data = jsonb_set(feedback_data, '{analytics,fillerWords}', $2::jsonb) where interview_id = $1`,
      [id, JSON.stringify({ total: 9, perMinute: 27, byWord: { um: 1, uh: 0, like: 3, 'you know': 1, basically: 0, actually: 0, 'kind of': 0, 'sort of': 0, 'I mean': 0, so: 4 } })],
    );
    // The transcript says "Um" and ", you know," once each.
    const body = (await agent.get(`/api/interviews/${id}/feedback`)).body;
    expect(body.feedback.analytics.fillerWords).toEqual({ total: 2, perMinute: 6, byWord: { um: 1, uh: 0, er: 0, erm: 0, like: 0, 'you know': 1 } });
    const md = (await agent.get(`/api/interviews/${id}/feedback/export`)).text;
    expect(md).toContain('- Filler words: 2 (6 per minute of your speech)\n  - "um" 1, "you know" 1');
    const page = (await agent.get(`/interviews/${id}`)).text;
    expect(page).toMatch(/<dt>Filler words<\/dt><dd>2 /);
    expect(page).toContain('Speaking analytics');
  });
});
