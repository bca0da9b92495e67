// The pool's warm spare: a child forked ahead of time that takes the next interview, never more
// processes than slots, and nothing left behind at shutdown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { isAlive, KEY, makePool, recorder, SILENT_AGENT, textStart, until } from './helpers.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me more about that.' });
});
afterAll(async () => {
  await fake?.close();
});

describe('worker pool with a warm spare', () => {
  it('hands the next interview to the spare child, then forks a new spare once that one is ready', async () => {
    const { pool, logs } = makePool({ warmSpare: true, max: 2 });
    const spare = pool.sparePid();
    expect(spare).toBeGreaterThan(0);
    expect(isAlive(spare!)).toBe(true);

    const rec = recorder();
    const child = await pool.start({ start: textStart('iv-spare', fake.url), ...rec.callbacks });
    expect(child.pid).toBe(spare);
    await rec.waitFor(() => rec.items().length >= 1, 'greeting');
    expect(child.send({ type: 'user_text', text: 'I analyse sales data.' })).toBe(true);
    await rec.waitFor(() => rec.items().length >= 3, 'reply');
    expect(rec.items()[2]).toMatchObject({ role: 'assistant', text: 'Tell me more about that.' });

    // One slot is still free, so a new spare waits for it.
    const next = pool.sparePid();
    expect(next).toBeGreaterThan(0);
    expect(next).not.toBe(spare);
    expect(pool.active()).toBe(1);

    await child.stop('candidate');
    expect(logs.text()).not.toContain(KEY);
    await pool.shutdown();
    expect(isAlive(next!)).toBe(false);
    expect(pool.sparePid()).toBeUndefined();
  }, 120_000);

  it('keeps no spare while every slot is taken, and forks one again when a slot frees up', async () => {
    const { pool } = makePool({ warmSpare: true, max: 1, entry: SILENT_AGENT, readyTimeoutMs: 5_000 });
    const spare = pool.sparePid()!;
    const child = await pool.start({ start: textStart('ready-only-slot', fake.url), ...recorder().callbacks });
    expect(child.pid).toBe(spare);
    expect(pool.sparePid()).toBeUndefined();

    process.kill(child.pid, 'SIGKILL');
    await child.ended;
    await until(() => pool.sparePid() !== undefined, 'a new spare');
    expect(pool.sparePid()).not.toBe(spare);
    await pool.shutdown(1_000);
    expect(pool.sparePid()).toBeUndefined();
  }, 60_000);

  it('does not use a spare that died: the interview gets a fresh child', async () => {
    const { pool } = makePool({ warmSpare: true, max: 2, entry: SILENT_AGENT, readyTimeoutMs: 5_000 });
    const spare = pool.sparePid()!;
    process.kill(spare, 'SIGKILL');
    await until(() => !isAlive(spare), 'the spare to die');
    const child = await pool.start({ start: textStart('ready-after-spare-died', fake.url), ...recorder().callbacks });
    expect(child.pid).not.toBe(spare);
    expect(isAlive(child.pid)).toBe(true);
    await pool.shutdown(1_000);
    expect(isAlive(child.pid)).toBe(false);
  }, 60_000);
});
