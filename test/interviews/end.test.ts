// Ending an interview from the page: the answer comes once the end is recorded, the event
// stream says so, and a new interview can start straight away.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
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

const json = { accept: 'application/json' };

describe('POST /api/interviews/:id/end', () => {
  it('answers with the interview ended by the candidate, already recorded, announced on the stream, and frees the user for a new one', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    await saveTextKeys(client, llm.url);
    const { id } = (await client.api('POST', '/api/interviews', START_TEXT)).json();
    const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, sessionHeaders(client));
    await client.api('POST', `/api/interviews/${id}/messages`, { text: 'I work on search infrastructure.' });
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Question'));

    const ended = await client.api('POST', `/api/interviews/${id}/end`);
    expect(ended.status).toBe(200);
    expect(ended.json()).toMatchObject({ id, status: 'ended', endedBy: 'candidate', endedAt: expect.any(String) });
    expect(ended.json().items.map((i: { role: string }) => i.role)).toEqual(['assistant', 'user', 'assistant']);

    const record = (await client.request('GET', `/api/interviews/${id}`, { headers: json })).json();
    expect(record).toMatchObject({ status: 'ended', endedBy: 'candidate' });
    expect(app.pool.get(id)).toBeUndefined();

    const status = await stream.next((e) => e.event === 'status' && e.data.status === 'ended');
    const end = await stream.next((e) => e.event === 'ended');
    expect(status.data).toEqual({ status: 'ended', endedBy: 'candidate' });
    expect(stream.events.indexOf(status)).toBeLessThan(stream.events.indexOf(end));
    expect(end.data).toMatchObject({ reason: 'candidate', interview: { status: 'ended', endedBy: 'candidate' } });
    stream.close();

    const next = await client.api('POST', '/api/interviews', START_TEXT);
    expect(next.status, next.text).toBe(201);
    expect(next.json().id).not.toBe(id);
    // Ending twice changes nothing.
    const again = await client.api('POST', `/api/interviews/${id}/end`);
    expect(again.json()).toMatchObject({ status: 'ended', endedBy: 'candidate', endedAt: ended.json().endedAt });
  }, 90_000);

  it('answers 409 to a user who already has a live interview even when every slot is taken', async () => {
    app = await startTestApp({ env: { MAX_CONCURRENT_WORKERS: '1' } });
    const client = app.client();
    await client.signInLocally();
    await saveTextKeys(client, llm.url);
    expect((await client.api('POST', '/api/interviews', START_TEXT)).status).toBe(201);
    expect(app.pool.active()).toBe(app.pool.max);

    const second = await client.api('POST', '/api/interviews', START_TEXT);
    expect(second.status).toBe(409);
    expect(second.json().message).toMatch(/already have an interview running/);
  }, 90_000);
});
