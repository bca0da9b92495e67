// Children that do not become ready: the start rejects with a plain reason, the child is gone,
// the slot is free. And a key the provider rejects only once the interview is running.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartMessage } from '../../agent/protocol.ts';
import { AgentStartError } from '../../server/workers/pool.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { isAlive, KEY, makePool, recorder, SILENT_AGENT, textStart } from './helpers.ts';

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
      livekit: { url: 'ws://127.0.0.1:9', token: '', room: 'room-xyz' },
    } as unknown as StartMessage;
    const error = (await pool.start({ start }).catch((e: unknown) => e)) as AgentStartError;
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error).toMatchObject({ failure: 'error', status: 502 });
    expect(error.reason).toBe('Invalid start message: voice mode needs livekit.url and livekit.token.');
    expect(error.message).toBe(error.reason);
    expect(pool.active()).toBe(0);
    const [pid] = pidsSpawned();
    expect(isAlive(pid!)).toBe(false);
    expect(logs.text()).toContain('"room":"room-xyz"');
    expect(logs.text()).not.toContain(KEY);
  });

  it('kills a child that never answers after the ready timeout', async () => {
    const { pool, pidsSpawned, entries } = makePool({ entry: SILENT_AGENT, readyTimeoutMs: 500 });
    const error = (await pool.start({ start: textStart('iv-mute', fake.url) }).catch((e: unknown) => e)) as AgentStartError;
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error.failure).toBe('timeout');
    expect(error.reason).toBe('The interviewer did not start in time — try again in a moment.');
    expect(pool.active()).toBe(0);
    expect(isAlive(pidsSpawned()[0]!)).toBe(false);
    expect(entries().find((e) => e.msg === 'interview child failed to start')).toMatchObject({ interviewId: 'iv-mute', failure: 'timeout' });
  });

  it('rejects a start still waiting for ready when the pool shuts down', async () => {
    const { pool, pidsSpawned } = makePool({ entry: SILENT_AGENT });
    const starting = pool.start({ start: textStart('iv-cut-short', fake.url) }).catch((e: unknown) => e);
    expect(pool.get('iv-cut-short')?.send({ type: 'user_text', text: 'too early' })).toBe(false);
    await pool.shutdown(300);
    const error = (await starting) as AgentStartError;
    expect(error).toBeInstanceOf(AgentStartError);
    expect(error.reason).toBe('The server is restarting — try again in a moment.');
    expect(pool.active()).toBe(0);
    expect(isAlive(pidsSpawned()[0]!)).toBe(false);
  });

  it('delivers a key rejected once the interview runs as error, then ends with error', async () => {
    const { pool, logs } = makePool();
    const rec = recorder();
    const child = await pool.start({ start: textStart('iv-bad-key', fake.url, 'sk-wrong-key-000000'), ...rec.callbacks });
    const end = await child.ended;
    expect(end.reason).toBe('error');
    expect(end.error).toMatch(/^The LLM provider \(127\.0\.0\.1:\d+\) rejected the key — check Settings → Keys\.$/);
    const error = rec.messages.find((m) => m.type === 'error');
    expect(error).toMatchObject({ provider: 'llm', message: end.error });
    expect(rec.messages.at(-1)).toEqual({ type: 'ended', reason: 'error' });
    expect(pool.active()).toBe(0);
    expect(logs.text()).not.toContain('sk-wrong-key-000000');
  }, 120_000);
});
