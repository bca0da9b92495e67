// The keys routes with an injected host name resolver (the whole app always uses the system's):
// names that cannot be found, and lookups that never answer, for "Test keys" and for saving.
import { freshPglite } from '../helpers/databases.ts';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { createVault } from '../../server/crypto/vault.ts';
import type { Database } from '../../server/db/database.ts';
import { errorHandler } from '../../server/http/error-handler.ts';
import { keysRouter } from '../../server/keys/routes.ts';
import type { Resolver } from '../../shared/net-guard.ts';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/app.ts';
import { listen, type Listening } from '../helpers/http.ts';

const DG_KEY = 'dg-routes-key-1234';
const LLM_KEY = 'sk-routes-key-5678';
const CHECK_TIMEOUT_MS = 400;
const LOOKUP_TIMEOUT_MS = 300;

/** Every name looked up, in order. */
const lookedUp: string[] = [];

/** Knows the names in `table`; 'slow.example.test' never answers; anything else is not found. */
const resolve: Resolver = async (hostname) => {
  lookedUp.push(hostname);
  const table: Record<string, string> = { 'llm.example.test': '127.0.0.1', 'private.example.test': '10.9.8.7' };
  if (hostname === 'slow.example.test') return new Promise(() => {});
  const address = table[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

let db: Database;
let deepgram: FakeDeepgram;
let llm: FakeOpenAI;
let dev: Listening;
let prod: Listening;

/** The keys router as the app mounts it, behind a signed-in session. */
function keysApp(userId: string, production: boolean) {
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    (req as unknown as { session: object }).session = { user: { id: userId, name: 'Test' } };
    next();
  });
  app.use(
    keysRouter({
      db,
      vault: createVault([TEST_ENCRYPTION_KEY]),
      production,
      deepgramBaseUrl: deepgram.url,
      keyTestLimit: [],
      checkTimeoutMs: CHECK_TIMEOUT_MS,
      resolve,
      lookupTimeoutMs: LOOKUP_TIMEOUT_MS,
    }),
  );
  app.use(errorHandler({ exposeInternals: false }));
  return app;
}

async function call(server: Listening, method: string, path: string, body: unknown) {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), ms: performance.now() - started };
}

beforeAll(async () => {
  [db, deepgram, llm] = await Promise.all([freshPglite(), startFakeDeepgram({ apiKey: DG_KEY }), startFakeOpenAI({ apiKey: LLM_KEY })]);
  const user = await userForIdentity(db, 'google', 'routes-user', { name: 'Routes' });
  [dev, prod] = await Promise.all([listen(keysApp(user.id, false)), listen(keysApp(user.id, true))]);
});
afterAll(async () => {
  await Promise.all([dev?.close(), prod?.close(), deepgram?.close(), llm?.close()]);
  await db?.close();
});

describe('"Test keys" looks hosts up inside each provider\'s check', () => {
  it('a LiveKit host that cannot be found fails LiveKit only; Deepgram and the LLM are still tested', async () => {
    const llmUrl = `http://llm.example.test:${new URL(llm.url).port}/v1`;
    const reply = await call(dev, 'POST', '/api/keys/test', {
      livekit_url: 'wss://gone.example.test',
      livekit_api_key: 'APIroutes1234',
      livekit_api_secret: 'routes-secret-abcdefgh',
      llm_base_url: llmUrl,
      openai_key: LLM_KEY,
      deepgram_key: DG_KEY,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.livekit).toMatchObject({ ok: false, notSet: false, message: 'cannot reach wss://gone.example.test (the host name was not found)' });
    expect(reply.body.llm).toMatchObject({ ok: true });
    expect(reply.body.deepgram).toMatchObject({ ok: true, message: 'Deepgram accepted the key' });
  });

  it('a lookup that never answers is bounded by that check\'s clock', async () => {
    const reply = await call(dev, 'POST', '/api/keys/test', {
      livekit_url: 'wss://slow.example.test',
      livekit_api_key: 'APIroutes1234',
      livekit_api_secret: 'routes-secret-abcdefgh',
      deepgram_key: DG_KEY,
    });
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeLessThan(CHECK_TIMEOUT_MS + 1_500);
    expect(reply.body.livekit).toMatchObject({ ok: false, message: 'cannot reach wss://slow.example.test (looking up the host name took longer than 0.4 s)' });
    expect(reply.body.deepgram.ok).toBe(true);
  });

  it('in production, a refused address class fails that provider with the reason, not the request', async () => {
    const reply = await call(prod, 'POST', '/api/keys/test', {
      livekit_url: 'wss://10.1.2.3',
      livekit_api_key: 'APIroutes1234',
      livekit_api_secret: 'routes-secret-abcdefgh',
      llm_base_url: 'https://private.example.test/v1',
      openai_key: LLM_KEY,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.livekit).toMatchObject({ ok: false, message: 'that address is private (10.1.2.3) and cannot be used' });
    expect(reply.body.llm).toMatchObject({ ok: false, message: 'private.example.test resolves to 10.9.8.7, which is private and cannot be used' });
    expect(reply.body.deepgram).toMatchObject({ notSet: true });
    // The form of a URL is still a 400 for its field.
    const scheme = await call(prod, 'POST', '/api/keys/test', { livekit_url: 'ws://example.com' });
    expect(scheme).toMatchObject({ status: 400, body: { error: 'validation', fields: { livekit_url: 'LiveKit URL must start with wss:// or https://' } } });
  });

  it("the user's Deepgram and speech hosts are judged inside their own checks, the others still tested", async () => {
    const reply = await call(prod, 'POST', '/api/keys/test', {
      deepgram_key: DG_KEY,
      deepgram_base_url: 'https://private.example.test',
      openai_key: LLM_KEY,
      llm_base_url: 'https://private.example.test/v1',
      tts_provider: 'openai',
      tts_base_url: 'https://gone.example.test/v1',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.deepgram).toMatchObject({ ok: false, message: 'private.example.test resolves to 10.9.8.7, which is private and cannot be used' });
    expect(reply.body.speech).toMatchObject({ ok: false, notSet: false, message: 'cannot reach https://gone.example.test/v1 (the host name was not found)' });
    const scheme = await call(prod, 'POST', '/api/keys/test', { deepgram_base_url: 'http://deepgram.example.com', tts_base_url: 'http://speech.example.com/v1' });
    expect(scheme).toMatchObject({
      status: 400,
      body: { fields: { deepgram_base_url: 'Deepgram base URL must start with https://', tts_base_url: 'Speech base URL must start with https://' } },
    });
  });
});

describe('saving keys bounds each host lookup', () => {
  it('answers 400 for the field whose lookup never answers, within the lookup time limit, and saves nothing', async () => {
    const reply = await call(dev, 'PUT', '/api/keys', { livekit_url: 'wss://slow.example.test', deepgram_key: DG_KEY });
    expect(reply.status).toBe(400);
    expect(reply.ms).toBeLessThan(LOOKUP_TIMEOUT_MS + 1_500);
    expect(reply.body.fields).toEqual({
      livekit_url: 'looking up slow.example.test took longer than 0.3 s, so the address could not be checked: try again',
    });
    expect((await db.query('select 1 from public.user_api_keys')).rows).toHaveLength(0);
  });

  it('looks the Deepgram and speech hosts up before saving too, each named in its own field', async () => {
    const reply = await call(prod, 'PUT', '/api/keys', { deepgram_base_url: 'https://private.example.test', tts_base_url: 'https://slow.example.test/v1' });
    expect(reply.status).toBe(400);
    expect(reply.body.fields).toEqual({
      deepgram_base_url: 'private.example.test resolves to 10.9.8.7, which is private and cannot be used',
      tts_base_url: expect.stringMatching(/^looking up slow\.example\.test took longer than 0\.3 s/),
    });
    // OpenAI's own speech URL is a constant of ours: saved without a lookup.
    const preset = await call(prod, 'PUT', '/api/keys', { tts_base_url: 'https://api.openai.com/v1' });
    expect(preset.status).toBe(200);
    expect(preset.body.tts_base_url).toBe('https://api.openai.com/v1');
    await call(prod, 'DELETE', '/api/keys', {});
  });

  it('names a host that cannot be found, and both URLs are looked up at once', async () => {
    const reply = await call(dev, 'PUT', '/api/keys', { livekit_url: 'wss://slow.example.test', llm_base_url: 'https://gone.example.test/v1' });
    expect(reply.status).toBe(400);
    expect(reply.ms).toBeLessThan(LOOKUP_TIMEOUT_MS + 1_500);
    expect(reply.body.fields).toEqual({
      livekit_url: expect.stringMatching(/^looking up slow\.example\.test took longer than/),
      llm_base_url: 'cannot find the host gone.example.test',
    });
  });

  it('looks nothing up while the schema or a URL\'s form is refused: those fields are the answer', async () => {
    lookedUp.length = 0;
    const mistyped = await call(dev, 'PUT', '/api/keys', { livekit_url: 'wss://slow.example.test', openai_key: 'sk with spaces' });
    expect(mistyped).toMatchObject({ status: 400, body: { fields: { openai_key: 'must not contain spaces or line breaks' } } });
    expect(Object.keys(mistyped.body.fields)).toEqual(['openai_key']);
    const badForm = await call(prod, 'PUT', '/api/keys', { livekit_url: 'ws://slow.example.test', llm_base_url: 'https://slow.example.test/v1' });
    expect(badForm).toMatchObject({ status: 400, body: { fields: { livekit_url: expect.stringMatching(/^LiveKit URL must start with wss:\/\//) } } });
    expect(Object.keys(badForm.body.fields)).toEqual(['livekit_url']);
    expect(lookedUp).toEqual([]);
  });
});
