import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInAs, signInLocally } from '../helpers/session.ts';
import { openEvents } from '../helpers/sse.ts';
import { saveTextKeys, START_TEXT, startInterviewModel, startTextInterview } from './helpers.ts';

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

describe('the interview pool over HTTP', () => {
  it('refuses a third start at MAX_CONCURRENT_WORKERS=2 with 429, then accepts one after an interview ends', async () => {
    app = await startTestApp({ env: { MAX_CONCURRENT_WORKERS: '2' } });
    const [a, b, c] = [await signInAs(app, 'a'), await signInAs(app, 'b'), await signInAs(app, 'c')];
    for (const user of [a, b, c]) await saveTextKeys(user, llm.url);
    const first = await a.agent.post('/api/interviews').set('x-csrf-token', a.token).send(START_TEXT);
    const second = await b.agent.post('/api/interviews').set('x-csrf-token', b.token).send(START_TEXT);
    expect([first.status, second.status]).toEqual([201, 201]);
    const third = await c.agent.post('/api/interviews').set('x-csrf-token', c.token).send(START_TEXT);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: 'capacity', retryAfterSeconds: expect.any(Number), message: expect.stringMatching(/try again in a minute/) });
    expect(third.get('retry-after')).toBeTruthy();
    const health = (await request(app.server).get('/health')).body;
    expect(health.workers).toEqual({ active: 2, max: 2 });

    await a.agent.post(`/api/interviews/${first.body.id}/end`).set('x-csrf-token', a.token);
    const again = await c.agent.post('/api/interviews').set('x-csrf-token', c.token).send(START_TEXT);
    expect(again.status).toBe(201);
  });

  it('allows one live interview per user, and says which keys are missing', async () => {
    app = await startTestApp();
    const user = await signInLocally(app);
    const { agent, token } = user;
    const noKeys = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(noKeys.status).toBe(412);
    expect(noKeys.body.message).toMatch(/language-model key/);
    const voice = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' });
    expect(voice.status).toBe(412);
    expect(voice.body.missing).toEqual(expect.arrayContaining(['the LiveKit URL', 'a Deepgram key']));

    await saveTextKeys(user, llm.url);
    const bad = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, experience_level: 'wizard', candidate_name: '' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(['candidate_name', 'experience_level']);
    const impatient = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice', patience: 'impatient' });
    expect(impatient.status).toBe(400);
    expect(impatient.body.fields).toEqual({ patience: 'must be one of quick, normal, patient' });
    await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(201);
    const second = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(second.status).toBe(409);
    expect(app.pool.active()).toBe(1);
  });

  it('keeps every line when the child is killed mid-interview, ends it as error and frees the slot', async () => {
    app = await startTestApp();
    const { agent, token, id, stream } = await startTextInterview(app, llm.url);
    await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'I design databases.' });
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Question'));

    process.kill(app.pool.get(id)!.pid, 'SIGKILL');
    const ended = await stream.next((e) => e.event === 'ended');
    expect(ended.data.reason).toBe('error');
    stream.close();
    const record = (await agent.get(`/api/interviews/${id}`)).body;
    expect(record).toMatchObject({ status: 'ended', endedBy: 'error' });
    expect(record.items.map((i: { role: string }) => i.role)).toEqual(['assistant', 'user', 'assistant']);
    expect(app.pool.active()).toBe(0);
    await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'hello?' }).expect(409);
    await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(201);
  });

  it("answers 404 on every route for another user's interview", async () => {
    app = await startTestApp();
    const owner = await signInAs(app, 'owner');
    await saveTextKeys(owner, llm.url);
    const { id } = (await owner.agent.post('/api/interviews').set('x-csrf-token', owner.token).send(START_TEXT)).body;
    const other = await signInAs(app, 'other');
    const routes: ['get' | 'post' | 'delete', string, object?][] = [
      ['get', `/api/interviews/${id}`],
      ['get', `/api/interviews/${id}/events`],
      ['get', `/api/interviews/${id}/export?format=md`],
      ['get', `/api/interviews/${id}/feedback`],
      ['post', `/api/interviews/${id}/messages`, { text: 'hi' }],
      ['post', `/api/interviews/${id}/skip`, {}],
      ['post', `/api/interviews/${id}/end`, {}],
      ['post', `/api/interviews/${id}/feedback`, {}],
      ['delete', `/api/interviews/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const reply = method === 'get' ? await other.agent.get(path) : await other.agent[method](path).set('x-csrf-token', other.token).send(body);
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
    await other.agent.get('/api/interviews/not-a-uuid').expect(404);
    const still = (await owner.agent.get(`/api/interviews/${id}`)).body;
    expect(still.status).toBe('live');
    const list = (await other.agent.get('/api/interviews')).body;
    expect(list.interviews).toEqual([]);
  });

  it('lists newest first with paging and filtering, exports, skips, and deletes', async () => {
    app = await startTestApp();
    const user = await signInLocally(app);
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);
    const ids: string[] = [];
    for (const role of ['Data Engineer', 'Product Manager', 'Site Reliability Engineer']) {
      const { id } = (await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, job_role: role })).body;
      ids.push(id);
      if (role === 'Site Reliability Engineer') {
        const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, { cookie: user.cookie });
        await agent.post(`/api/interviews/${id}/skip`).set('x-csrf-token', token).send({ stage: 'company_fit' }).expect(202);
        const stage = await stream.next((e) => e.event === 'stage');
        // The stage left early counts as skipped, like the ones jumped over.
        expect(stage.data).toMatchObject({ stage: 'company_fit', skipped: ['welcome', 'self_intro', 'past_experience'], by: 'candidate' });
        stream.close();
      }
      await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    }
    const page1 = (await agent.get('/api/interviews?perPage=2')).body;
    expect(page1.total).toBe(3);
    expect(page1.interviews.map((i: { jobRole: string }) => i.jobRole)).toEqual(['Site Reliability Engineer', 'Product Manager']);
    const page2 = (await agent.get('/api/interviews?perPage=2&page=2')).body;
    expect(page2.interviews.map((i: { jobRole: string }) => i.jobRole)).toEqual(['Data Engineer']);
    const filtered = (await agent.get('/api/interviews?q=engineer')).body;
    expect(filtered.interviews).toHaveLength(2);

    const skipped = (await agent.get(`/api/interviews/${ids[2]}`)).body;
    expect(skipped).toMatchObject({ skippedStages: ['welcome', 'self_intro', 'past_experience'], finalStage: 'company_fit' });

    const md = await agent.get(`/api/interviews/${ids[2]}/export?format=md`);
    expect(md.get('content-type')).toMatch(/text\/markdown/);
    expect(md.get('content-disposition')).toMatch(/attachment; filename="?mockflow-site-reliability-engineer-\d{4}-\d{2}-\d{2}\.md"?/);
    expect(md.text).toContain('## Welcome');
    expect(md.text).toContain('- Skipped: Welcome, Self-introduction, Past experience');
    const exported = await agent.get(`/api/interviews/${ids[2]}/export?format=json`);
    expect(exported.body).toMatchObject({ id: ids[2], items: expect.any(Array), stages: expect.any(Array) });

    await agent.delete(`/api/interviews/${ids[0]}`).set('x-csrf-token', token).expect(204);
    await agent.get(`/api/interviews/${ids[0]}`).expect(404);
  });

  it('extracts résumé text from an upload', async () => {
    app = await startTestApp();
    const { agent, token } = await signInLocally(app);
    const file = Buffer.from('Jane Doe\nSenior Engineer at Example\n');
    const upload = { filename: 'resume.txt', contentType: 'text/plain' };
    const reply = await agent.post('/api/resume').set('x-csrf-token', token).attach('file', file, upload).expect(200);
    expect(reply.body).toMatchObject({ text: 'Jane Doe\nSenior Engineer at Example', chars: 35 });
    await request(app.server).post('/api/resume').attach('file', file, upload).expect(403);
  });
});
