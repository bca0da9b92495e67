// Starts that do not lead to a running interview, over HTTP: a child that never becomes ready,
// the server stopping mid-start, the start rate limit, and saved keys the server cannot read.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../../server/crypto/vault.ts';
import { WorkerPool } from '../../server/workers/pool.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { signInLocally } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';
import { SILENT_AGENT } from '../workers/helpers.ts';
import { LLM_KEY, saveTextKeys, START_TEXT, startInterviewModel } from './helpers.ts';

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

/** What a voice interview needs besides the model's address. */
const VOICE_KEYS = {
  openai_key: LLM_KEY,
  livekit_url: 'ws://127.0.0.1:7880',
  livekit_api_key: 'APIkey',
  livekit_api_secret: 'livekit-secret',
  deepgram_key: 'dg-key',
};

/** A pool whose children never answer `ready` (every interview id is a uuid, never "ready…"). */
function silentPool(readyTimeoutMs: number): WorkerPool {
  return new WorkerPool({ max: 2, heapMb: 64, readyTimeoutMs, entry: SILENT_AGENT, logger: captureLogs().logger });
}

async function signedIn(options: Parameters<typeof startTestApp>[0] = {}) {
  app = await startTestApp(options);
  return signInLocally(app);
}

describe('starting an interview that does not run', () => {
  it('answers 502 with the reason when the child never becomes ready, and leaves no interview behind', async () => {
    const user = await signedIn({ pool: silentPool(300) });
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);
    const reply = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(reply.status).toBe(502);
    expect(reply.body).toMatchObject({ error: 'upstream', message: 'The interviewer did not start in time — try again in a moment.' });
    expect(app!.pool.active()).toBe(0);
    expect((await agent.get('/api/interviews')).body.interviews).toHaveLength(0);
    const { rows } = await app!.db.query<{ n: number }>('select count(*)::int as n from public.interviews');
    expect(rows[0]!.n).toBe(0);
    // Not left live: the next attempt is another start, not a 409.
    await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(502);
  });

  it('answers 502 saying the provider rejected the key, before any interview runs', async () => {
    const { agent, token } = await signedIn();
    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: 'sk-not-the-right-key-1', llm_base_url: llm.url, llm_model: 'fake-model' });
    expect(saved.status).toBe(200);
    const reply = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(reply.status).toBe(502);
    expect(reply.body.message).toMatch(/^The LLM provider \(127\.0\.0\.1:\d+\) rejected the key — check Settings → Keys\.$/);
    expect(reply.text).not.toContain('sk-not-the-right-key-1');
    expect((await agent.get('/api/interviews')).body.interviews).toHaveLength(0);
  }, 60_000);

  it('answers 503 with Retry-After to a start cut short by shutdown, and leaves no interview behind', async () => {
    const user = await signedIn({ pool: silentPool(60_000) });
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);
    // then(): a supertest request goes out when it is awaited, and this one must be under way now.
    const starting = agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).then((res) => res);
    await waitFor(() => app!.pool.active() === 1, { explain: 'the child to be forked', timeoutMs: 20_000 });
    await app!.pool.shutdown(300);

    const reply = await starting;
    expect(reply.status).toBe(503);
    expect(reply.get('retry-after')).toBe('30');
    expect(reply.body).toMatchObject({ error: 'unavailable', message: 'The server is restarting — try again in a moment.', retryAfterSeconds: 30 });
    expect((await agent.get('/api/interviews')).body.interviews).toHaveLength(0);
  });

  it('answers 429 with Retry-After once the start rate limit is used up', async () => {
    const { agent, token } = await signedIn({ rateLimits: { interviewStart: { windowMs: 60_000, perIp: 100, perUser: 2 } } });
    // Refused starts count too (here: no keys yet), so the limit cannot be probed for free.
    for (let i = 0; i < 2; i++) await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(412);
    const limited = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(limited.status).toBe(429);
    expect(Number(limited.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/^Too many interview starts\. Try again in \d+ seconds?\.$/) });
    expect(app!.pool.active()).toBe(0);
  });

  it('refuses the OpenAI voice with 412 when the model provider is not OpenAI, unless a speech server or speech key is saved', async () => {
    const { agent, token } = await signedIn({ pool: silentPool(300) });
    await agent.put('/api/keys').set('x-csrf-token', token).send({ ...VOICE_KEYS, llm_base_url: llm.url, tts_provider: 'openai' }).expect(200);
    const refused = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' });
    expect(refused.status).toBe(412);
    expect(refused.body).toMatchObject({ missing: ['a speech key'], message: expect.stringMatching(/^The OpenAI voice needs an OpenAI key/) });
    expect((await agent.get('/api/interviews')).body.interviews).toHaveLength(0);

    // The user's own speech server: the start goes on to the child (which, here, never answers).
    await agent.put('/api/keys').set('x-csrf-token', token).send({ tts_base_url: 'http://127.0.0.1:8880/v1' }).expect(200);
    await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' }).expect(502);
    // Or a speech key of its own.
    await agent.put('/api/keys').set('x-csrf-token', token).send({ tts_base_url: '', tts_key: 'sk-speech-key-2222' });
    await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' }).expect(502);
  });

  it('names the saved keys that can no longer be read when the mode needs them, and ignores the others', async () => {
    const { agent, token } = await signedIn({ pool: silentPool(300) });
    await agent.put('/api/keys').set('x-csrf-token', token).send({ ...VOICE_KEYS, llm_base_url: llm.url });
    // Sealed with a key the server no longer has (an ENCRYPTION_KEY rotated without re-sealing).
    const lost = createVault([Buffer.alloc(32, 7).toString('base64url')]);
    await app!.db.query(`update public.user_api_keys set deepgram_key = $1`, [lost.seal('dg-key')]);

    const voice = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' });
    expect(voice.status).toBe(412);
    expect(voice.body).toMatchObject({ missing: ['a Deepgram key'] });
    expect(voice.body.message).toBe(
      "A Deepgram key saved in Settings → Keys can no longer be read (the server's encryption key has changed). Enter it again to start a voice interview.",
    );
    // Text mode does not use Deepgram: it goes on to start the child (which, here, never answers).
    await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT).expect(502);

    await app!.db.query(`update public.user_api_keys set openai_key = $1`, [lost.seal(LLM_KEY)]);
    const text = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(text.status).toBe(412);
    expect(text.body).toMatchObject({ missing: ['a language-model key'] });
    const both = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' });
    expect(both.body.missing).toEqual(['a language-model key', 'a Deepgram key']);
    expect(both.body.message).toMatch(/^A language-model key and a Deepgram key saved in Settings → Keys can no longer be read .* Enter them again/);
  });
});
