import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasControlCharacters, storableJson, storableText } from '../../server/db/storable-text.ts';
import { startFakeOpenAI, type ChatCompletionRequestBody, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally } from '../helpers/session.ts';
import { LLM_KEY, START_TEXT, startTextInterview } from './helpers.ts';

// Text PostgreSQL refuses (text and jsonb: U+0000; jsonb: a lone UTF-16 surrogate) must never
// turn into a 500 or a lost transcript line.

const LONE = '\ud800';

describe('storable text', () => {
  it('removes NULs and replaces lone surrogates, keeping pairs, tabs and line breaks', () => {
    expect(storableText('a\u0000b')).toBe('ab');
    expect(storableText(`x${LONE}y\udc00z`)).toBe('x\ufffdy\ufffdz');
    expect(storableText('emoji 😀, tab\tand\nline')).toBe('emoji 😀, tab\tand\nline');
    expect(storableJson({ 'k\u0000': ['v\u0000', { deep: LONE }], n: 3, b: true, z: null })).toEqual({ k: ['v', { deep: '\ufffd' }], n: 3, b: true, z: null });
  });

  it('finds control characters a typed line should not have', () => {
    for (const bad of ['a\u0000', 'a\u0007', 'a\u001b[31m', 'a\u007f', `a${LONE}`]) expect(hasControlCharacters(bad), JSON.stringify(bad)).toBe(true);
    for (const good of ['Ada Lovelace', 'Zoë 😀', 'tab\tline\nreturn\r']) expect(hasControlCharacters(good), JSON.stringify(good)).toBe(false);
  });
});

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('hostile characters over HTTP', () => {
  it('ignores a NUL in a history search instead of failing', async () => {
    app = await startTestApp();
    const { agent } = await signInLocally(app);
    const api = await agent.get('/api/interviews?q=%00');
    expect(api.status, api.text).toBe(200);
    expect(api.body).toMatchObject({ interviews: [] });
    const page = await agent.get('/interviews?q=a%00b');
    expect(page.status, page.text).toBe(200);
  });

  it('refuses a NUL in the name or role with a 400 that says which field and what to do', async () => {
    app = await startTestApp();
    const { agent, token } = await signInLocally(app);
    const name = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, candidate_name: 'Ada\u0000' });
    expect(name.status, name.text).toBe(400);
    expect(name.body.fields).toEqual({ candidate_name: expect.stringMatching(/^Your name contains an invisible control character \(such as NUL\): retype it/) });
    const role = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, job_role: `Backend${LONE}` });
    expect(role.status, role.text).toBe(400);
    expect(role.body.fields).toEqual({ job_role: expect.stringMatching(/^The target role contains an invisible control character/) });
  });

  it('refuses a NUL in a saved key setting with a 400 naming the field', async () => {
    app = await startTestApp();
    const { agent, token } = await signInLocally(app);
    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({ llm_base_url: 'https://llm.example.com/v1\u0000' });
    expect(saved.status, saved.text).toBe(400);
    expect(saved.body.fields).toEqual({ llm_base_url: expect.stringMatching(/invisible control character/) });
  });

  it('answers /static/vendor/ names of Object.prototype with 404', async () => {
    app = await startTestApp();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const reply = await request(app.server).get(`/static/vendor/${name}`);
      expect(reply.status, name).toBe(404);
    }
    await request(app.server).get('/static/vendor/livekit-client.umd.js').expect(200);
  });
});

describe('transcript lines', () => {
  let llm: FakeOpenAI;
  beforeAll(async () => {
    // The model answers the candidate with a NUL and half a surrogate pair in its reply.
    llm = await startFakeOpenAI({
      apiKey: LLM_KEY,
      defaultReply: (body: ChatCompletionRequestBody) =>
        JSON.stringify(body.messages?.at(-1)?.content ?? '').includes('payments') ? `Null\u0000 here, half ${LONE} there?` : 'Go on?',
    });
  });
  afterAll(() => llm.close());

  it('keeps a line with a NUL or a lone surrogate, cleaned, in the record and on the stream', async () => {
    app = await startTestApp();
    const { agent, token, id, stream } = await startTextInterview(app, llm.url);

    const sent = await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'I build\u0000 payments.' });
    expect(sent.status).toBe(202);
    const reply = await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Null'));
    expect(reply.data.text).toBe('Null here, half \ufffd there?');
    await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    await stream.next((e) => e.event === 'ended', { after: reply });
    stream.close();

    const record = (await agent.get(`/api/interviews/${id}`)).body;
    const lines = record.items.map((i: { role: string; text: string }) => [i.role, i.text]);
    expect(lines.slice(1)).toEqual([
      ['user', 'I build payments.'],
      ['assistant', 'Null here, half \ufffd there?'],
    ]);
    expect(app.logs.text()).not.toMatch(/could not (save|store)|unsupported Unicode|invalid byte sequence/i);
  });
});
