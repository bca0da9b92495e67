// A candidate who lost the call after the first pass expired, or who opens the room in another
// tab, gets a fresh pass into the same room as the same participant, only while it is live.

import { fileURLToPath } from 'node:url';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { WorkerPool } from '../../server/workers/pool.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/client.ts';
import { captureLogs } from '../helpers/logs.ts';
import { START_TEXT } from './helpers.ts';

// Answers `ready` without joining any room: what is under test is the server's pass.
const CALL_AGENT = { path: fileURLToPath(new URL('../browser/fixtures/call-agent.mjs', import.meta.url)), execArgv: [] };
const LIVEKIT = { url: 'ws://127.0.0.1:7880', key: 'APIroompass', secret: 'room-pass-secret-0123456789abcdef0123' };

let app: TestApp;
let pool: WorkerPool;
beforeAll(async () => {
  pool = new WorkerPool({ max: 2, heapMb: 64, idleMs: 60_000, readyTimeoutMs: 10_000, logger: captureLogs().logger, entry: CALL_AGENT });
  app = await startTestApp({ pool });
});
afterAll(async () => {
  await app.close();
  await pool.shutdown(1_000);
});

async function saveVoiceKeys(client: Client): Promise<void> {
  const saved = await client.api('PUT', '/api/keys', {
    openai_key: 'sk-room-pass-0000',
    livekit_url: LIVEKIT.url,
    livekit_api_key: LIVEKIT.key,
    livekit_api_secret: LIVEKIT.secret,
    deepgram_key: 'dg-room-pass-0000',
    tts_provider: 'deepgram',
  });
  expect(saved.status).toBe(200);
}

describe('POST /api/interviews/:id/room-pass', () => {
  it('mints a new pass into the same room as the same participant while the interview is live, and never after', async () => {
    const client = app.client();
    await client.signInLocally();
    await saveVoiceKeys(client);
    const started = await client.api('POST', '/api/interviews', { ...START_TEXT, mode: 'voice' });
    expect(started.status).toBe(201);
    const { id, livekit } = started.json<{ id: string; livekit: { url: string; token: string; room: string } }>();

    const renewed = await client.api('POST', `/api/interviews/${id}/room-pass`);
    expect(renewed.status).toBe(200);
    expect(renewed.headers.get('cache-control')).toBe('no-store');
    const pass = renewed.json<{ url: string; token: string; room: string }>();
    expect(pass).toMatchObject({ url: LIVEKIT.url, room: livekit.room });

    const verifier = new TokenVerifier(LIVEKIT.key, LIVEKIT.secret);
    const [first, second] = [await verifier.verify(livekit.token), await verifier.verify(pass.token)];
    expect(second.sub).toBe(first.sub);
    expect(second.name).toBe(START_TEXT.candidate_name);
    expect(second.video).toEqual(first.video);
    expect(second.exp! - second.nbf!).toBe(600);

    // Not for someone else, and not without the CSRF token.
    const other = app.client();
    await other.signInLocally();
    const stranger = await userForIdentity(app.db, 'google', `sub-stranger-${Math.random()}`, { name: 'Eve' });
    const sid = decodeURIComponent(other.cookies.get('mockflow.sid')!).slice(2).split('.')[0]!;
    await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user}', $2::jsonb)::json where sid = $1`, [sid, JSON.stringify(stranger)]);
    expect((await other.api('POST', `/api/interviews/${id}/room-pass`)).status).toBe(404);
    const forged = await client.request('POST', `/api/interviews/${id}/room-pass`, { json: {}, headers: { accept: 'application/json' } });
    expect(forged.status).toBe(403);

    expect((await client.api('POST', `/api/interviews/${id}/end`)).status).toBe(200);
    const ended = await client.api('POST', `/api/interviews/${id}/room-pass`);
    expect(ended.status).toBe(409);
    expect(ended.json()).toMatchObject({ message: 'This interview has ended.' });
  });

  it('refuses a text interview: it has no call', async () => {
    const client = app.client();
    await client.signInLocally();
    await saveVoiceKeys(client);
    const started = await client.api('POST', '/api/interviews', START_TEXT);
    expect(started.status).toBe(201);
    const { id } = started.json<{ id: string }>();
    const refused = await client.api('POST', `/api/interviews/${id}/room-pass`);
    expect(refused.status).toBe(409);
    expect(refused.json().message).toMatch(/text interview/);
    await client.api('POST', `/api/interviews/${id}/end`);
  });
});
