// A candidate who lost the call after the first pass expired, or who opens the room in another
// tab, gets a fresh pass into the same room as the same participant, only while it is live.

import { fileURLToPath } from 'node:url';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../server/workers/pool.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { signInAs, signInLocally, type SignedIn } from '../helpers/session.ts';
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

async function saveVoiceKeys({ agent, token }: SignedIn): Promise<void> {
  const keys = {
    openai_key: 'sk-room-pass-0000',
    livekit_url: LIVEKIT.url,
    livekit_api_key: LIVEKIT.key,
    livekit_api_secret: LIVEKIT.secret,
    deepgram_key: 'dg-room-pass-0000',
    tts_provider: 'deepgram',
  };
  await agent.put('/api/keys').set('x-csrf-token', token).send(keys).expect(200);
}

describe('POST /api/interviews/:id/room-pass', () => {
  it('mints a new pass into the same room as the same participant while the interview is live, and never after', async () => {
    const user = await signInLocally(app);
    const { agent, token } = user;
    await saveVoiceKeys(user);
    const started = await agent.post('/api/interviews').set('x-csrf-token', token).send({ ...START_TEXT, mode: 'voice' });
    expect(started.status).toBe(201);
    const { id, livekit } = started.body as { id: string; livekit: { url: string; token: string; room: string } };

    const renewed = await agent.post(`/api/interviews/${id}/room-pass`).set('x-csrf-token', token);
    expect(renewed.status).toBe(200);
    expect(renewed.get('cache-control')).toBe('no-store');
    const pass = renewed.body as { url: string; token: string; room: string };
    expect(pass).toMatchObject({ url: LIVEKIT.url, room: livekit.room });

    const verifier = new TokenVerifier(LIVEKIT.key, LIVEKIT.secret);
    const [first, second] = [await verifier.verify(livekit.token), await verifier.verify(pass.token)];
    expect(second.sub).toBe(first.sub);
    expect(second.name).toBe(START_TEXT.candidate_name);
    expect(second.video).toEqual(first.video);
    expect(second.exp! - second.nbf!).toBe(600);

    // Not for someone else, and not without the CSRF token.
    const other = await signInAs(app, 'Eve');
    await other.agent.post(`/api/interviews/${id}/room-pass`).set('x-csrf-token', other.token).expect(404);
    await agent.post(`/api/interviews/${id}/room-pass`).send({}).expect(403);

    await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token).expect(200);
    const ended = await agent.post(`/api/interviews/${id}/room-pass`).set('x-csrf-token', token);
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({ message: 'This interview has ended.' });
  });

  it('refuses a text interview: it has no call', async () => {
    const user = await signInLocally(app);
    const { agent, token } = user;
    await saveVoiceKeys(user);
    const started = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(started.status).toBe(201);
    const { id } = started.body as { id: string };
    const refused = await agent.post(`/api/interviews/${id}/room-pass`).set('x-csrf-token', token);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/text interview/);
    await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
  });
});
