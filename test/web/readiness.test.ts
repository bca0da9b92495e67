// "Ready" follows what "Test keys" found: a provider that failed its last test, with the keys
// still saved as they were tested, makes the dashboard say so (with when) and the start form
// preselect the mode that can work. Saving that provider's keys again, or testing typed ones,
// does not keep a stale verdict.

import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally } from '../helpers/session.ts';

const LLM_KEY = 'sk-readiness-key-0001';
const DG_KEY = 'dg-readiness-key-0002';

let llm: FakeOpenAI;
let deepgram: FakeDeepgram;
let app: TestApp | undefined;
beforeAll(async () => {
  [llm, deepgram] = await Promise.all([startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: 'Hello.' }), startFakeDeepgram({ apiKey: DG_KEY })]);
});
afterAll(async () => {
  await Promise.all([llm.close(), deepgram.close()]);
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function readiness(html: string): { text: string; voice: string } {
  const pick = (mode: string) => new RegExp(`${mode} interviews: <strong>([^<]*)</strong>`).exec(html)?.[1] ?? '';
  return { text: pick('Text'), voice: pick('Voice') };
}

function checkedMode(html: string): string | undefined {
  return /<input type="radio" name="mode" value="(voice|text)"[^>]* checked/.exec(html)?.[1];
}

describe('readiness after "Test keys"', () => {
  it('says which provider failed its last test and when, preselects text, and forgets the verdict once that provider is saved again', async () => {
    app = await startTestApp();
    const { agent, token } = await signInLocally(app);
    const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({
      openai_key: LLM_KEY,
      llm_base_url: llm.url,
      llm_model: 'fake-model',
      deepgram_key: DG_KEY,
      deepgram_base_url: deepgram.url,
      livekit_url: `ws://127.0.0.1:${await closedPort()}`,
      livekit_api_key: 'APIreadiness',
      livekit_api_secret: 'readiness-secret-readiness-secret',
      tts_provider: 'deepgram',
    });
    expect(saved.status).toBe(200);
    expect(readiness((await agent.get('/dashboard')).text)).toEqual({ text: 'ready', voice: 'ready' });
    expect(checkedMode((await agent.get('/interviews/new')).text)).toBe('voice');

    // A test of other, typed values says nothing about the saved ones.
    const typed = await agent.post('/api/keys/test').set('x-csrf-token', token).send({ livekit_url: `ws://127.0.0.1:${await closedPort()}` });
    expect(typed.body.livekit.ok).toBe(false);
    expect(readiness((await agent.get('/dashboard')).text).voice).toBe('ready');

    const tested = await agent.post('/api/keys/test').set('x-csrf-token', token).send({});
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ livekit: { ok: false }, llm: { ok: true }, deepgram: { ok: true } });
    const dashboard = (await agent.get('/dashboard')).text;
    expect(readiness(dashboard)).toEqual({ text: 'ready', voice: 'did not pass the last key test' });
    const notice = /<p class="notice warn" id="failed-key-test">([\s\S]*?)<\/p>/.exec(dashboard)?.[1] ?? '';
    expect(notice).toContain('LiveKit did not work in the last key test: ');
    expect(notice).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+" data-local>[^<]+ UTC<\/time>/);

    const start = (await agent.get('/interviews/new')).text;
    expect(checkedMode(start)).toBe('text');
    // Still possible: a failed test may have been a passing problem.
    expect(start).toMatch(/<input type="radio" name="mode" value="voice" aria-describedby="voice-reason">/);
    expect(start).toContain('LiveKit did not work in the last key test');

    // Saving another provider's key keeps the verdict; saving LiveKit's again removes it.
    await agent.put('/api/keys').set('x-csrf-token', token).send({ deepgram_key: DG_KEY });
    expect(readiness((await agent.get('/dashboard')).text).voice).toBe('did not pass the last key test');
    await agent.put('/api/keys').set('x-csrf-token', token).send({ livekit_url: `ws://127.0.0.1:${await closedPort()}` });
    expect(readiness((await agent.get('/dashboard')).text)).toEqual({ text: 'ready', voice: 'ready' });
    expect(checkedMode((await agent.get('/interviews/new')).text)).toBe('voice');
  }, 60_000);

  it('a language model that failed its test makes text doubtful too', async () => {
    app = await startTestApp();
    const { agent, token } = await signInLocally(app);
    await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: 'sk-readiness-wrong-9999', llm_base_url: llm.url, llm_model: 'fake-model' });
    expect((await agent.post('/api/keys/test').set('x-csrf-token', token).send({})).body.llm.ok).toBe(false);
    const dashboard = (await agent.get('/dashboard')).text;
    expect(readiness(dashboard).text).toBe('did not pass the last key test');
    expect(dashboard).toContain('The language model did not work in the last key test: ');
  }, 60_000);
});
