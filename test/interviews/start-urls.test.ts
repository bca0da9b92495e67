// The saved LLM base URL and LiveKit URL (and, for voice, the Deepgram and speech base URLs) are
// checked again when an interview starts, before the child (which connects to them) is forked:
// DNS may point elsewhere now, and a loopback URL saved in development must not be used in
// production. What passes goes to the child in the start message, with the key the voice speaks with.

import { freshPglite } from '../helpers/databases.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { parseConfig } from '../../server/config.ts';
import { createVault } from '../../server/crypto/vault.ts';
import type { Database } from '../../server/db/database.ts';
import { InterviewEvents } from '../../server/interviews/events.ts';
import type { StartInterviewInput } from '../../server/interviews/schema.ts';
import { InterviewRunner, InterviewService, LocalRunners } from '../../server/interviews/index.ts';
import type { StartMessage } from '../../agent/protocol.ts';
import { LLM_PRESETS } from '../../shared/providers.ts';
import type { SaveKeysInput } from '../../server/keys/schema.ts';
import { deleteKeys, saveKeys } from '../../server/keys/store.ts';
import type { Resolver } from '../../shared/net-guard.ts';
import { WorkerPool } from '../../server/workers/pool.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { SILENT_AGENT } from '../workers/helpers.ts';

const DNS: Record<string, string> = {
  'llm.example.test': '10.0.0.7',
  'lk.example.test': '169.254.169.254',
  'public-llm.example.test': '93.184.215.14',
  'public-lk.example.test': '93.184.215.15',
  'dg.example.test': '10.0.0.8',
  'speech.example.test': '192.168.4.4',
  'public-dg.example.test': '93.184.215.16',
  'public-speech.example.test': '93.184.215.17',
};
const resolveHost: Resolver = async (hostname) => {
  const address = DNS[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const TEXT: StartInterviewInput = { candidate_name: 'Ada', job_role: 'Backend Engineer', experience_level: 'senior', mode: 'text', patience: 'normal' };
const VOICE: StartInterviewInput = { ...TEXT, mode: 'voice' };
/** Every check passed and the (silent) child was started: it does not become ready. */
const DID_NOT_START = { status: 502, code: 'upstream' };
const vault = createVault([TEST_ENCRYPTION_KEY]);

/** The real pool (its child never answers), remembering each start message it was given. */
class RecordingPool extends WorkerPool {
  readonly starts: StartMessage[] = [];
  /** The patience stored on each started interview's row, read while it was starting (a failed start deletes it). */
  readonly storedPatience: (string | undefined)[] = [];
  override async start(interview: Parameters<WorkerPool['start']>[0]) {
    this.starts.push(interview.start);
    const { rows } = await db.query<{ patience: string }>('select patience from public.interviews where id = $1', [interview.start.interview.interviewId]);
    this.storedPatience.push(rows[0]?.patience);
    return super.start(interview);
  }
}

let db: Database;
let pool: RecordingPool;
let userId: string;

beforeAll(async () => {
  db = await freshPglite();
  userId = (await userForIdentity(db, 'google', 'sub-url-check', { name: 'Ada' })).id;
  // The child never answers: a start that gets past the checks ends as a 502 from the pool.
  pool = new RecordingPool({ max: 2, heapMb: 64, readyTimeoutMs: 300, entry: SILENT_AGENT, logger: captureLogs().logger });
});
afterAll(async () => {
  await pool.shutdown(1_000);
  await db.close();
});

function service(production: boolean): InterviewService {
  const config = { ...parseConfig({ NODE_ENV: 'test', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY }), isProduction: production };
  const events = new InterviewEvents();
  const logger = captureLogs().logger;
  const runner = new InterviewRunner({ db, pool, publish: events, vault, config, logger, resolveHost });
  return new InterviewService({ db, runners: new LocalRunners(pool, runner), events, publish: events, vault, config, logger, resolveHost });
}

async function saveUrls(llmBaseUrl: string, livekitUrl: string): Promise<void> {
  await saveKeys(
    db,
    userId,
    { openai_key: 'sk-url-test-0000', llm_base_url: llmBaseUrl, livekit_url: livekitUrl, livekit_api_key: 'APIkey', livekit_api_secret: 'secret-0000', deepgram_key: 'dg-0000', tts_provider: 'deepgram' },
    vault,
  );
}

const VOICE_KEYS = {
  openai_key: 'sk-llm-key-0000',
  livekit_url: 'wss://public-lk.example.test',
  livekit_api_key: 'APIkey',
  livekit_api_secret: 'secret-0000',
  deepgram_key: 'dg-0000',
} satisfies SaveKeysInput;

/** Replaces the user's whole key set. */
async function saveOnly(input: SaveKeysInput): Promise<void> {
  await deleteKeys(db, userId);
  await saveKeys(db, userId, input, vault);
}

/** The keys a start that passed every check sent its child. */
async function startedKeys(production: boolean, input: StartInterviewInput) {
  const before = pool.starts.length;
  await expect(service(production).start(userId, input)).rejects.toMatchObject(DID_NOT_START);
  expect(pool.starts).toHaveLength(before + 1);
  return pool.starts.at(-1)!.keys;
}

async function refusal(production: boolean, input: StartInterviewInput) {
  const before = await interviewCount();
  const err = (await service(production).start(userId, input).then(
    () => undefined,
    (e: unknown) => e,
  )) as { status: number; code: string; message: string; details?: Record<string, unknown> };
  expect(err).toBeDefined();
  expect(await interviewCount()).toBe(before);
  return err;
}

async function interviewCount(): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from public.interviews');
  return rows[0]!.n;
}

describe('interview start: saved URLs checked again', () => {
  it('refuses an LLM base URL whose host now resolves to a private address, naming the setting', async () => {
    await saveUrls('https://llm.example.test/v1', 'wss://public-lk.example.test');
    const err = await refusal(true, TEXT);
    expect(err).toMatchObject({ status: 422, code: 'unsafe_url', details: { setting: 'llm_base_url' } });
    expect(err.message).toBe(
      'Change the language-model base URL in Settings → Keys: llm.example.test resolves to 10.0.0.7, which is private and cannot be used.',
    );
    expect(pool.active()).toBe(0);
  });

  it('refuses a LiveKit URL whose host resolves to the metadata address in a voice start', async () => {
    await saveUrls('https://public-llm.example.test/v1', 'wss://lk.example.test');
    const err = await refusal(true, VOICE);
    expect(err).toMatchObject({ status: 422, code: 'unsafe_url', details: { setting: 'livekit_url' } });
    expect(err.message).toMatch(/^Change the LiveKit URL in Settings → Keys: lk\.example\.test resolves to 169\.254\.169\.254, which is link-local/);
  });

  it('refuses in production a loopback URL that development allowed', async () => {
    await saveUrls('https://127.0.0.1:8443/v1', 'wss://public-lk.example.test');
    const err = await refusal(true, TEXT);
    expect(err).toMatchObject({ status: 422, details: { setting: 'llm_base_url' } });
    expect(err.message).toContain('loopback (127.0.0.1)');
    // Outside production the same URL passes the check and the start goes on to the child.
    await expect(service(false).start(userId, TEXT)).rejects.toMatchObject(DID_NOT_START);
  });

  it('lets public URLs through to the child', async () => {
    await saveUrls('https://public-llm.example.test/v1', 'wss://public-lk.example.test');
    await expect(service(true).start(userId, VOICE)).rejects.toMatchObject(DID_NOT_START);
  });
});

describe('interview start: the speech settings', () => {
  it('refuses a Deepgram base URL or a speech base URL that now resolves to a private address, in a voice start only', async () => {
    await saveOnly({ ...VOICE_KEYS, deepgram_base_url: 'https://dg.example.test', tts_provider: 'deepgram' });
    const deepgram = await refusal(true, VOICE);
    expect(deepgram).toMatchObject({ status: 422, code: 'unsafe_url', details: { setting: 'deepgram_base_url' } });
    expect(deepgram.message).toBe('Change the Deepgram base URL in Settings → Keys: dg.example.test resolves to 10.0.0.8, which is private and cannot be used.');
    // Text interviews use no speech.
    await expect(service(true).start(userId, TEXT)).rejects.toMatchObject(DID_NOT_START);

    await saveOnly({ ...VOICE_KEYS, tts_base_url: 'https://speech.example.test/v1', tts_provider: 'openai' });
    const speech = await refusal(true, VOICE);
    expect(speech).toMatchObject({ status: 422, code: 'unsafe_url', details: { setting: 'tts_base_url' } });
    expect(speech.message).toBe('Change the speech base URL in Settings → Keys: speech.example.test resolves to 192.168.4.4, which is private and cannot be used.');
    // The Deepgram voice does not use the speech server.
    await saveKeys(db, userId, { tts_provider: 'deepgram' }, vault);
    await expect(service(true).start(userId, VOICE)).rejects.toMatchObject(DID_NOT_START);
  });

  it('sends the speech settings, and the key the OpenAI voice speaks with, in the start message', async () => {
    await saveOnly({
      ...VOICE_KEYS,
      llm_base_url: LLM_PRESETS.groq,
      deepgram_base_url: 'https://public-dg.example.test',
      tts_provider: 'openai',
      tts_base_url: 'https://public-speech.example.test/v1',
      tts_model: 'kokoro',
      tts_voice: 'af_bella',
    });
    // A Groq model with the user's own speech server: the language-model key goes to that server.
    expect(await startedKeys(true, VOICE)).toEqual({
      llmApiKey: 'sk-llm-key-0000',
      llmBaseUrl: LLM_PRESETS.groq,
      llmModel: 'llama-3.3-70b-versatile',
      deepgramKey: 'dg-0000',
      deepgramBaseUrl: 'https://public-dg.example.test',
      ttsProvider: 'openai',
      openaiTtsKey: 'sk-llm-key-0000',
      ttsBaseUrl: 'https://public-speech.example.test/v1',
      ttsModel: 'kokoro',
      ttsVoice: 'af_bella',
    });
    // A text interview is sent none of it.
    const text = await startedKeys(true, TEXT);
    expect(Object.keys(text).sort()).toEqual(['deepgramKey', 'llmApiKey', 'llmBaseUrl', 'llmModel', 'ttsProvider']);
  });

  it("sends the candidate's patience in a voice start, stored on the interview row, and none in a text start", async () => {
    await saveOnly({ ...VOICE_KEYS, tts_provider: 'deepgram' });
    await startedKeys(false, { ...VOICE, patience: 'patient' });
    expect(pool.starts.at(-1)!.interview.patience).toBe('patient');
    expect(pool.storedPatience.at(-1)).toBe('patient');
    await startedKeys(false, TEXT);
    expect(pool.starts.at(-1)!.interview.patience).toBeUndefined();
  });

  it('sends the speech key when there is one, and the defaults for OpenAI\'s own speech', async () => {
    await saveOnly({ ...VOICE_KEYS, llm_base_url: LLM_PRESETS.groq, tts_provider: 'openai', tts_key: 'sk-speech-key-1111' });
    const keys = await startedKeys(true, VOICE);
    expect(keys).toMatchObject({ ttsProvider: 'openai', openaiTtsKey: 'sk-speech-key-1111', ttsModel: 'gpt-4o-mini-tts', ttsVoice: 'alloy' });
    expect(keys).not.toHaveProperty('ttsBaseUrl');
    expect(keys).not.toHaveProperty('deepgramBaseUrl');
    // OpenAI as the model provider: its key speaks too.
    await saveOnly({ ...VOICE_KEYS, tts_provider: 'openai' });
    expect(await startedKeys(true, VOICE)).toMatchObject({ llmBaseUrl: undefined, openaiTtsKey: 'sk-llm-key-0000' });
    // Their own speech server gets the model name such servers answer to.
    await saveOnly({ ...VOICE_KEYS, tts_provider: 'openai', tts_key: 'sk-speech-key-1111', tts_base_url: 'https://public-speech.example.test/v1' });
    expect(await startedKeys(true, VOICE)).toMatchObject({ ttsBaseUrl: 'https://public-speech.example.test/v1', ttsModel: 'tts-1' });
    // The Deepgram voice gets no OpenAI key at all.
    await saveOnly({ ...VOICE_KEYS, tts_provider: 'deepgram', tts_key: 'sk-speech-key-1111', tts_base_url: 'https://public-speech.example.test/v1' });
    const deepgramVoice = await startedKeys(true, VOICE);
    expect(deepgramVoice.ttsProvider).toBe('deepgram');
    for (const field of ['openaiTtsKey', 'ttsBaseUrl', 'ttsModel', 'ttsVoice']) expect(deepgramVoice).not.toHaveProperty(field);
  });

  it('refuses the OpenAI voice with 412 when its only key would be another provider\'s sent to OpenAI', async () => {
    await saveOnly({ ...VOICE_KEYS, llm_base_url: LLM_PRESETS.groq, tts_provider: 'openai' });
    const before = pool.starts.length;
    const err = await refusal(true, VOICE);
    expect(err).toMatchObject({ status: 412, details: { missing: ['a speech key'] } });
    expect(err.message).toMatch(/^The OpenAI voice needs an OpenAI key, and the language-model key is another provider's\. In Settings → Keys, add a speech key \(an OpenAI key\) or the base URL of your own speech server, or choose the Deepgram voice\.$/);
    // OpenAI's own speech URL typed in does not make the Groq key an OpenAI one.
    await saveKeys(db, userId, { tts_base_url: 'https://api.openai.com/v1' }, vault);
    expect((await refusal(true, VOICE)).status).toBe(412);
    expect(pool.starts).toHaveLength(before);
  });
});
