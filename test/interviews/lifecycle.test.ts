import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { Client } from '../helpers/client.ts';
import { openEvents } from '../helpers/sse.ts';
import { saveTextKeys, sessionHeaders, START_TEXT, startInterviewModel } from './helpers.ts';

let llm: FakeOpenAI;
let app: TestApp | undefined;
beforeAll(async () => {
  llm = await startInterviewModel();
});
afterAll(() => llm.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Signs a new Google-style user into a fresh client (local sign-in is a single account). */
async function newUser(app: TestApp, name: string): Promise<Client> {
  const user = await userForIdentity(app.db, 'google', `sub-${name}-${Math.random()}`, { name });
  const client = app.client();
  // Sign in the way the OAuth callback leaves a session: through a real request that saves it.
  await client.signInLocally();
  const sid = decodeURIComponent(client.cookies.get('mockflow.sid')!).slice(2).split('.')[0]!;
  await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user}', $2::jsonb)::json where sid = $1`, [
    sid,
    JSON.stringify(user),
  ]);
  return client;
}

const json = { accept: 'application/json' };

describe('the interview pool over HTTP', () => {
  it('refuses a third start at MAX_CONCURRENT_WORKERS=2 with 429, then accepts one after an interview ends', async () => {
    app = await startTestApp({ env: { MAX_CONCURRENT_WORKERS: '2' } });
    const [a, b, c] = [await newUser(app, 'a'), await newUser(app, 'b'), await newUser(app, 'c')];
    for (const client of [a, b, c]) await saveTextKeys(client, llm.url);
    const first = await a.api('POST', '/api/interviews', START_TEXT);
    const second = await b.api('POST', '/api/interviews', START_TEXT);
    expect([first.status, second.status]).toEqual([201, 201]);
    const third = await c.api('POST', '/api/interviews', START_TEXT);
    expect(third.status).toBe(429);
    expect(third.json()).toMatchObject({ error: 'capacity', retryAfterSeconds: expect.any(Number), message: expect.stringMatching(/try again in a minute/) });
    expect(third.headers.get('retry-after')).toBeTruthy();
    const health = await (await fetch(`${app.url}/health`)).json();
    expect(health.workers).toEqual({ active: 2, max: 2 });

    await a.api('POST', `/api/interviews/${first.json().id}/end`);
    const again = await c.api('POST', '/api/interviews', START_TEXT);
    expect(again.status).toBe(201);
  });

  it('allows one live interview per user, and says which keys are missing', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    const noKeys = await client.api('POST', '/api/interviews', START_TEXT);
    expect(noKeys.status).toBe(412);
    expect(noKeys.json().message).toMatch(/language-model key/);
    const voice = await client.api('POST', '/api/interviews', { ...START_TEXT, mode: 'voice' });
    expect(voice.status).toBe(412);
    expect(voice.json().missing).toEqual(expect.arrayContaining(['the LiveKit URL', 'a Deepgram key']));

    await saveTextKeys(client, llm.url);
    const bad = await client.api('POST', '/api/interviews', { ...START_TEXT, experience_level: 'wizard', candidate_name: '' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json().fields).sort()).toEqual(['candidate_name', 'experience_level']);
    const impatient = await client.api('POST', '/api/interviews', { ...START_TEXT, mode: 'voice', patience: 'impatient' });
    expect(impatient.status).toBe(400);
    expect(impatient.json().fields).toEqual({ patience: 'must be one of quick, normal, patient' });
    expect((await client.api('POST', '/api/interviews', START_TEXT)).status).toBe(201);
    const second = await client.api('POST', '/api/interviews', START_TEXT);
    expect(second.status).toBe(409);
    expect(app.pool.active()).toBe(1);
  });

  it('keeps every line when the child is killed mid-interview, ends it as error and frees the slot', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    await saveTextKeys(client, llm.url);
    const { id } = (await client.api('POST', '/api/interviews', START_TEXT)).json();
    const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, sessionHeaders(client));
    await client.api('POST', `/api/interviews/${id}/messages`, { text: 'I design databases.' });
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Question'));

    process.kill(app.pool.get(id)!.pid, 'SIGKILL');
    const ended = await stream.next((e) => e.event === 'ended');
    expect(ended.data.reason).toBe('error');
    stream.close();
    const record = (await client.request('GET', `/api/interviews/${id}`, { headers: json })).json();
    expect(record).toMatchObject({ status: 'ended', endedBy: 'error' });
    expect(record.items.map((i: { role: string }) => i.role)).toEqual(['assistant', 'user', 'assistant']);
    expect(app.pool.active()).toBe(0);
    expect((await client.api('POST', `/api/interviews/${id}/messages`, { text: 'hello?' })).status).toBe(409);
    expect((await client.api('POST', '/api/interviews', START_TEXT)).status).toBe(201);
  });

  it("answers 404 on every route for another user's interview", async () => {
    app = await startTestApp();
    const owner = await newUser(app, 'owner');
    await saveTextKeys(owner, llm.url);
    const { id } = (await owner.api('POST', '/api/interviews', START_TEXT)).json();
    const other = await newUser(app, 'other');
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/interviews/${id}`],
      ['GET', `/api/interviews/${id}/events`],
      ['GET', `/api/interviews/${id}/export?format=md`],
      ['GET', `/api/interviews/${id}/feedback`],
      ['POST', `/api/interviews/${id}/messages`, { text: 'hi' }],
      ['POST', `/api/interviews/${id}/skip`, {}],
      ['POST', `/api/interviews/${id}/end`, {}],
      ['POST', `/api/interviews/${id}/feedback`, {}],
      ['DELETE', `/api/interviews/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const reply = method === 'GET' ? await other.request('GET', path, { headers: json }) : await other.api(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
    expect((await other.request('GET', '/api/interviews/not-a-uuid', { headers: json })).status).toBe(404);
    const still = (await owner.request('GET', `/api/interviews/${id}`, { headers: json })).json();
    expect(still.status).toBe('live');
    const list = (await other.request('GET', '/api/interviews', { headers: json })).json();
    expect(list.interviews).toEqual([]);
  });

  it('lists newest first with paging and filtering, exports, skips, and deletes', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    await saveTextKeys(client, llm.url);
    const ids: string[] = [];
    for (const role of ['Data Engineer', 'Product Manager', 'Site Reliability Engineer']) {
      const { id } = (await client.api('POST', '/api/interviews', { ...START_TEXT, job_role: role })).json();
      ids.push(id);
      if (role === 'Site Reliability Engineer') {
        const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, sessionHeaders(client));
        expect((await client.api('POST', `/api/interviews/${id}/skip`, { stage: 'company_fit' })).status).toBe(202);
        const stage = await stream.next((e) => e.event === 'stage');
        // The stage left early counts as skipped, like the ones jumped over.
        expect(stage.data).toMatchObject({ stage: 'company_fit', skipped: ['welcome', 'self_intro', 'past_experience'], by: 'candidate' });
        stream.close();
      }
      await client.api('POST', `/api/interviews/${id}/end`);
    }
    const page1 = (await client.request('GET', '/api/interviews?perPage=2', { headers: json })).json();
    expect(page1.total).toBe(3);
    expect(page1.interviews.map((i: { jobRole: string }) => i.jobRole)).toEqual(['Site Reliability Engineer', 'Product Manager']);
    const page2 = (await client.request('GET', '/api/interviews?perPage=2&page=2', { headers: json })).json();
    expect(page2.interviews.map((i: { jobRole: string }) => i.jobRole)).toEqual(['Data Engineer']);
    const filtered = (await client.request('GET', '/api/interviews?q=engineer', { headers: json })).json();
    expect(filtered.interviews).toHaveLength(2);

    const skipped = (await client.request('GET', `/api/interviews/${ids[2]}`, { headers: json })).json();
    expect(skipped).toMatchObject({ skippedStages: ['welcome', 'self_intro', 'past_experience'], finalStage: 'company_fit' });

    const md = await client.request('GET', `/api/interviews/${ids[2]}/export?format=md`);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(md.headers.get('content-disposition')).toMatch(/attachment; filename="?mockflow-site-reliability-engineer-\d{4}-\d{2}-\d{2}\.md"?/);
    expect(md.text).toContain('## Welcome');
    expect(md.text).toContain('- Skipped: Welcome, Self-introduction, Past experience');
    const exported = await client.request('GET', `/api/interviews/${ids[2]}/export?format=json`);
    expect(exported.json()).toMatchObject({ id: ids[2], items: expect.any(Array), stages: expect.any(Array) });

    expect((await client.api('DELETE', `/api/interviews/${ids[0]}`)).status).toBe(204);
    expect((await client.request('GET', `/api/interviews/${ids[0]}`, { headers: json })).status).toBe(404);
  });

  it('extracts résumé text from an upload', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    const form = new FormData();
    form.append('file', new Blob(['Jane Doe\nSenior Engineer at Example\n'], { type: 'text/plain' }), 'resume.txt');
    const reply = await client.request('POST', '/api/resume', { body: form, headers: { 'x-csrf-token': await client.csrf(), accept: 'application/json' } });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ text: 'Jane Doe\nSenior Engineer at Example', chars: 35 });
    const anonymous = new Client(app.url);
    expect((await anonymous.request('POST', '/api/resume', { body: form, headers: { accept: 'application/json' } })).status).toBe(403);
  });
});
