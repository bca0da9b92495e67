// The saved LLM base URL and LiveKit URL are checked again when an interview starts, before the
// child (which connects to them) is forked: DNS may point elsewhere now, and a loopback URL
// saved in development must not be used in production.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { parseConfig } from '../../server/config.ts';
import { createVault } from '../../server/crypto/vault.ts';
import type { Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { InterviewEvents } from '../../server/interviews/events.ts';
import type { StartInterviewInput } from '../../server/interviews/schema.ts';
import { InterviewService } from '../../server/interviews/service.ts';
import { saveKeys } from '../../server/keys/store.ts';
import type { Resolver } from '../../server/keys/url-guard.ts';
import { AgentStartError, WorkerPool } from '../../server/workers/pool.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { SILENT_AGENT } from '../workers/helpers.ts';

const DNS: Record<string, string> = {
  'llm.example.test': '10.0.0.7',
  'lk.example.test': '169.254.169.254',
  'public-llm.example.test': '93.184.215.14',
  'public-lk.example.test': '93.184.215.15',
};
const resolveHost: Resolver = async (hostname) => {
  const address = DNS[hostname];
  if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const TEXT: StartInterviewInput = { candidate_name: 'Ada', job_role: 'Backend Engineer', experience_level: 'senior', mode: 'text' };
const VOICE: StartInterviewInput = { ...TEXT, mode: 'voice' };
const vault = createVault([TEST_ENCRYPTION_KEY]);

let db: Database;
let pool: WorkerPool;
let userId: string;

beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
  userId = (await userForIdentity(db, 'google', 'sub-url-check', { name: 'Ada' })).id;
  // The child never answers: a start that gets past the checks ends as a 502 from the pool.
  pool = new WorkerPool({ max: 2, heapMb: 64, readyTimeoutMs: 300, entry: SILENT_AGENT, logger: captureLogs().logger });
});
afterAll(async () => {
  await pool.shutdown(1_000);
  await db.close();
});

function service(production: boolean): InterviewService {
  const config = { ...parseConfig({ NODE_ENV: 'test', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY }), isProduction: production };
  return new InterviewService({ db, pool, events: new InterviewEvents(), vault, config, logger: captureLogs().logger, resolveHost });
}

async function saveUrls(llmBaseUrl: string, livekitUrl: string): Promise<void> {
  await saveKeys(
    db,
    userId,
    { openai_key: 'sk-url-test-0000', llm_base_url: llmBaseUrl, livekit_url: livekitUrl, livekit_api_key: 'APIkey', livekit_api_secret: 'secret-0000', deepgram_key: 'dg-0000', tts_provider: 'deepgram' },
    vault,
  );
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
    await expect(service(false).start(userId, TEXT)).rejects.toBeInstanceOf(AgentStartError);
  });

  it('lets public URLs through to the child', async () => {
    await saveUrls('https://public-llm.example.test/v1', 'wss://public-lk.example.test');
    await expect(service(true).start(userId, VOICE)).rejects.toBeInstanceOf(AgentStartError);
  });
});
