// Ending an interview from the page: the answer comes once the end is recorded, the event
// stream says so, and a new interview can start straight away.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally } from '../helpers/session.ts';
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

describe('POST /api/interviews/:id/end', () => {
  it('answers with the interview ended by the candidate, already recorded, announced on the stream, and frees the user for a new one', async () => {
    app = await startTestApp();
    const { agent, token, id, stream } = await startTextInterview(app, llm.url);
    await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'I work on search infrastructure.' });
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Question'));

    const ended = await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id, status: 'ended', endedBy: 'candidate', endedAt: expect.any(String) });
    expect(ended.body.items.map((i: { role: string }) => i.role)).toEqual(['assistant', 'user', 'assistant']);

    const record = (await agent.get(`/api/interviews/${id}`)).body;
    expect(record).toMatchObject({ status: 'ended', endedBy: 'candidate' });
    expect(app.pool.get(id)).toBeUndefined();

    const status = await stream.next((e) => e.event === 'status' && e.data.status === 'ended');
    const end = await stream.next((e) => e.event === 'ended');
    expect(status.data).toEqual({ status: 'ended', endedBy: 'candidate' });
    expect(stream.events.indexOf(status)).toBeLessThan(stream.events.indexOf(end));
    expect(end.data).toMatchObject({ reason: 'candidate', interview: { status: 'ended', endedBy: 'candidate' } });
    stream.close();

    const next = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(next.status, next.text).toBe(201);
    expect(next.body.id).not.toBe(id);
    // Ending twice changes nothing.
    const again = await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    expect(again.body).toMatchObject({ status: 'ended', endedBy: 'candidate', endedAt: ended.body.endedAt });
  }, 90_000);

  it('answers 409 to a user who already has a live interview even when every slot is taken', async () => {
    app = await startTestApp({ env: { MAX_CONCURRENT_WORKERS: '1' } });
    const user = await signInLocally(app);
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);
    await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(201);
    expect(app.pool.active()).toBe(app.pool.max);

    const second = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(/already have an interview running/);
  }, 90_000);
});
