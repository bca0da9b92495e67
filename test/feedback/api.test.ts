import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '../../server/db/database.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/client.ts';
import { openEvents } from '../helpers/sse.ts';
import { interviewItems, interviewStageEvents, T0, validFeedback } from './fixture.ts';

const KEY = 'sk-feedback-api-test-0000';
const json = { accept: 'application/json' };
let llm: FakeOpenAI;
let replies: string[] = [];
let app: TestApp | undefined;

beforeAll(async () => {
  llm = await startFakeOpenAI({ apiKey: KEY, defaultReply: () => replies.shift() ?? 'not json at all' });
});
afterAll(() => llm.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function signedInWithEndedInterview(items = interviewItems): Promise<{ client: Client; id: string; userId: string }> {
  app = await startTestApp();
  const client = app.client();
  await client.signInLocally();
  await client.api('PUT', '/api/keys', { openai_key: KEY, llm_base_url: llm.url, llm_model: 'fake-model' });
  const userId = (await client.request('GET', '/api/me', { headers: json })).json().id;
  const id = await withUser(app.db, userId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into interviews (user_id, candidate_name, job_role, experience_level, mode, status, conversation, stage_events,
                               started_at, ended_at, ended_by, final_stage)
       values ($1, 'Priya', 'Frontend Engineer', 'mid', 'voice', 'ended', $2, $3, to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0), 'completed', 'closing')
       returning id`,
      [userId, JSON.stringify(items), JSON.stringify(interviewStageEvents), T0, T0 + 45_000],
    );
    return rows[0]!.id;
  });
  return { client, id, userId };
}

async function waitForFeedback(client: Client, id: string) {
  let body: any;
  await expect
    .poll(
      async () => {
        body = (await client.request('GET', `/api/interviews/${id}/feedback`, { headers: json })).json();
        return body.status;
      },
      { timeout: 15_000 },
    )
    .not.toBe('generating');
  return body;
}

describe('feedback over HTTP', () => {
  it('generates with the owner\'s model, reports progress on the event stream, stores it, and serves it as Markdown', async () => {
    const { client, id } = await signedInWithEndedInterview();
    const answer = validFeedback();
    answer.competencies[0]!.evidenceQuote = 'I single-handedly invented React.';
    replies = [JSON.stringify(answer)];
    const before = llm.requests.length;
    expect((await client.request('GET', `/api/interviews/${id}/feedback`, { headers: json })).json()).toEqual({ status: 'none' });

    const stream = await openEvents(`${app!.url}/api/interviews/${id}/events`, { cookie: client.cookieHeader() });
    const started = await client.api('POST', `/api/interviews/${id}/feedback`);
    expect(started.status).toBe(202);
    await stream.next((e) => e.event === 'feedback' && e.data.status === 'generating');
    await stream.next((e) => e.event === 'feedback' && e.data.status === 'ready');
    stream.close();

    const body = await waitForFeedback(client, id);
    expect(body.status).toBe('ready');
    expect(body.feedback).toMatchObject({ version: 1, model: 'fake-model', droppedQuotes: 1 });
    expect(body.feedback.feedback.overall).toEqual(answer.overall);
    // The fabricated quote is not shown as theirs.
    expect(body.feedback.feedback.competencies[0].evidenceQuote).toBeNull();
    expect(body.feedback.analytics.answers.count).toBe(4);
    expect(llm.requests.length - before).toBe(1);
    const stored = await app!.db.query<{ n: number }>('select count(*)::int as n from feedback where interview_id = $1', [id]);
    expect(stored.rows[0]!.n).toBe(1);

    const md = await client.request('GET', `/api/interviews/${id}/feedback/export`);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(md.text).toContain(answer.overall.headline);

    // Regenerating replaces it: still one row.
    replies = [JSON.stringify({ ...validFeedback(), overall: { score: 2, headline: 'Second opinion' } })];
    expect((await client.api('POST', `/api/interviews/${id}/feedback`)).status).toBe(202);
    const regenerated = await waitForFeedback(client, id);
    expect(regenerated.feedback.feedback.overall.headline).toBe('Second opinion');
    expect((await app!.db.query<{ n: number }>('select count(*)::int as n from feedback')).rows[0]!.n).toBe(1);
  });

  it('fails plainly when the model answers unusable JSON twice, and stores nothing', async () => {
    const { client, id } = await signedInWithEndedInterview();
    replies = ['{"overall": ', 'still not json'];
    expect((await client.api('POST', `/api/interviews/${id}/feedback`)).status).toBe(202);
    const body = await waitForFeedback(client, id);
    expect(body.status).toBe('failed');
    expect(body.error).toMatch(/could not be used twice/);
    expect(body.feedback).toBeUndefined();
    expect((await app!.db.query('select 1 from feedback')).rows).toHaveLength(0);
  });

  it('refuses a transcript too short to judge with 422, without calling the model', async () => {
    const { client, id } = await signedInWithEndedInterview(interviewItems.slice(0, 4));
    const before = llm.requests.length;
    const reply = await client.api('POST', `/api/interviews/${id}/feedback`);
    expect(reply.status).toBe(422);
    expect(reply.json().message).toMatch(/answer/);
    expect(llm.requests.length).toBe(before);
  });
});
