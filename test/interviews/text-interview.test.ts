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

describe('a text interview over HTTP', () => {
  it('starts, greets on the event stream, takes three turns, ends, and keeps every line in order with its stage', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    await saveTextKeys(client, llm.url);

    const started = await client.api('POST', '/api/interviews', START_TEXT);
    expect(started.status, started.text).toBe(201);
    const { id, mode, status } = started.json();
    expect({ mode, status }).toEqual({ mode: 'text', status: 'live' });
    expect(started.json().livekit).toBeUndefined();

    const stream = await openEvents(`${app.url}/api/interviews/${id}/events`, sessionHeaders(client));
    const greeting = await stream.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));
    const greetingText = greeting.event === 'item' ? greeting.data.text : greeting.data.items[0].text;
    expect(greetingText).toContain('Ada');

    for (const [i, text] of ['I build payment systems.', 'Mostly Go and Postgres.', 'I led a migration last year.'].entries()) {
      const sent = await client.api('POST', `/api/interviews/${id}/messages`, { text });
      expect(sent.status).toBe(202);
      await stream.next((e) => e.event === 'item' && e.data.role === 'user' && e.data.text === text);
      await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith(`Question`) && stream.events.indexOf(e) > 0 && i >= 0);
    }
    await expect.poll(async () => (await client.request('GET', `/api/interviews/${id}`, { headers: { accept: 'application/json' } })).json().items.length, { timeout: 15_000 }).toBe(7);

    const ended = await client.api('POST', `/api/interviews/${id}/end`);
    expect(ended.status).toBe(200);
    await stream.next((e) => e.event === 'ended');
    stream.close();

    const record = (await client.request('GET', `/api/interviews/${id}`, { headers: { accept: 'application/json' } })).json();
    expect(record).toMatchObject({ status: 'ended', endedBy: 'candidate', mode: 'text', jobRole: 'Backend Engineer' });
    const roles = record.items.map((i: { role: string }) => i.role);
    expect(roles).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(record.items.filter((i: { role: string }) => i.role === 'user').map((i: { text: string }) => i.text)).toEqual([
      'I build payment systems.',
      'Mostly Go and Postgres.',
      'I led a migration last year.',
    ]);
    for (const item of record.items) expect(item.stage).toMatch(/^(welcome|self_intro|past_experience|company_fit|closing)$/);
    expect(record.items[0].stage).toBe('welcome');
    expect(app.pool.active()).toBe(0);
    // The key went to the model provider and nowhere else.
    expect(app.logs.text()).not.toContain('sk-interview-test-key-1234');
  });
});
