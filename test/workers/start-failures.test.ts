// Children that do not become ready: their end is delivered, then the start rejects with a plain
// reason, the child is gone, the slot is free. And a key the provider rejects only once the
// interview is running.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartMessage } from '../../agent/protocol.ts';
import type { HttpError } from '../../server/http/errors.ts';
import type { InterviewEnd } from '../../server/workers/pool.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { isAlive, KEY, makePool, recorder, SILENT_AGENT, sleep, textStart } from './helpers.ts';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake?.close();
});

describe('worker pool: starts that fail', () => {
  it('rejects with the reason the child gave when it fails before ready', async () => {
    const { pool, pidsSpawned, logs } = makePool();
    // A start the agent refuses: it answers `error` then `ended`, never `ready`.
    const start = {
      ...textStart('iv-refused', fake.url),
      mode: 'voice',
      livekit: { url: 'ws://127.0.0.1:9', token: '', room: 'room-xyz', candidateIdentity: 'candidate-xyz' },
    } as unknown as StartMessage;
    // A slow end handler (a database write): the start must not reject before it has finished.
    const ends: InterviewEnd[] = [];
    const onEnd = async (end: InterviewEnd) => {
      await sleep(200);
      ends.push(end);
    };
    const error = (await pool.start({ start, onEnd }).catch((e: unknown) => e)) as HttpError;
    expect(ends).toEqual([expect.objectContaining({ interviewId: 'iv-refused', reason: 'error', ready: false, error: error.message })]);
    expect(error).toMatchObject({ status: 502, code: 'upstream' });
    expect(error.message).toBe('Invalid start message: voice mode needs livekit.url, livekit.token and livekit.candidateIdentity.');
    expect(pool.active()).toBe(0);
    const [pid] = pidsSpawned();
    expect(isAlive(pid!)).toBe(false);
    expect(logs.text()).toContain('"room":"room-xyz"');
    expect(logs.text()).not.toContain(KEY);
  });

  it('kills a child that never answers after the ready timeout', async () => {
    const { pool, pidsSpawned, entries } = makePool({ entry: SILENT_AGENT, readyTimeoutMs: 500 });
    const rec = recorder();
    const error = (await pool.start({ start: textStart('iv-mute', fake.url), ...rec.callbacks }).catch((e: unknown) => e)) as HttpError;
    expect(error).toMatchObject({ status: 502, code: 'upstream', message: 'The interviewer did not start in time — try again in a moment.' });
    expect(rec.ends).toEqual([expect.objectContaining({ reason: 'error', ready: false, error: error.message })]);
    expect(rec.messages).toEqual([]);
    expect(pool.active()).toBe(0);
    expect(isAlive(pidsSpawned()[0]!)).toBe(false);
    expect(entries().find((e) => e.msg === 'interview child failed to start')).toMatchObject({ interviewId: 'iv-mute', failure: 'timeout' });
  });

  it('ends a start still waiting for ready as shutdown when the pool shuts down, and says the server is restarting', async () => {
    const { pool, pidsSpawned } = makePool({ entry: SILENT_AGENT });
    const rec = recorder();
    const starting = pool.start({ start: textStart('iv-cut-short', fake.url), ...rec.callbacks }).catch((e: unknown) => e);
    expect(pool.get('iv-cut-short')?.send({ type: 'user_text', text: 'too early' })).toBe(false);
    await pool.shutdown(300);
    // Recorded before shutdown() resolves, so the server can close its database after it.
    expect(rec.ends).toEqual([expect.objectContaining({ interviewId: 'iv-cut-short', reason: 'shutdown', ready: false })]);
    const error = (await starting) as HttpError;
    expect(error).toMatchObject({ status: 503, code: 'unavailable', message: 'The server is restarting — try again in a moment.', headers: { 'Retry-After': '30' } });
    expect(pool.active()).toBe(0);
    expect(isAlive(pidsSpawned()[0]!)).toBe(false);
  });

  it('fails the start with the reason when the provider rejects the key, recorded as error', async () => {
    const { pool, logs } = makePool();
    const rec = recorder();
    const error = (await pool
      .start({ start: textStart('iv-bad-key', fake.url, 'sk-wrong-key-000000'), ...rec.callbacks })
      .catch((e: unknown) => e)) as HttpError;
    expect(error).toMatchObject({ status: 502, code: 'upstream', details: { provider: 'llm' } });
    expect(error.message).toMatch(/^The LLM provider \(127\.0\.0\.1:\d+\) rejected the key — check Settings → Keys\.$/);
    expect(rec.ends).toEqual([expect.objectContaining({ interviewId: 'iv-bad-key', reason: 'error', ready: false, error: error.message })]);
    expect(rec.messages).toEqual([]);
    expect(pool.active()).toBe(0);
    expect(logs.text()).not.toContain('sk-wrong-key-000000');
  }, 120_000);
});
