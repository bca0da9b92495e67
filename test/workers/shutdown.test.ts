// Shutdown of a pool with several live children, and of one whose end is still being recorded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterviewEnd } from '../../server/workers/pool.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { isAlive, KEY, makePool, recorder, SILENT_AGENT, SLOW_STOP_AGENT, sleep, textStart, until } from './helpers.ts';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me about a project you are proud of.' });
});
afterAll(async () => {
  await fake?.close();
});

describe('worker pool shutdown', () => {
  it('ends two live children of one pool as shutdown, each after its last message, and leaves neither alive', async () => {
    const { pool } = makePool({ max: 2 });
    const recs = [recorder(20), recorder(20)];
    const children = await Promise.all(
      ['iv-two-1', 'iv-two-2'].map((id, i) => pool.start({ start: textStart(id, fake.url), ...recs[i]!.callbacks })),
    );
    await Promise.all(recs.map((rec) => rec.waitFor(() => rec.items().length >= 1, 'greeting')));

    await pool.shutdown(20_000);
    for (const [i, rec] of recs.entries()) {
      expect(isAlive(children[i]!.pid)).toBe(false);
      expect(rec.ends).toEqual([expect.objectContaining({ interviewId: `iv-two-${i + 1}`, reason: 'shutdown', ready: true })]);
      expect(rec.messages.at(-1)).toEqual({ type: 'ended', reason: 'shutdown' });
      expect(rec.deliveredAtEnd[0]).toBe(rec.messages.length);
    }
    expect(pool.active()).toBe(0);
  }, 120_000);

  it('drains for a deploy: refuses starts at once, lets a live interview run to its own end, and hands over what is left at the limit', async () => {
    const { pool } = makePool({ max: 2 });
    const recs = [recorder(), recorder()];
    const [finishing, lingering] = await Promise.all(
      ['iv-drain-1', 'iv-drain-2'].map((id, i) => pool.start({ start: textStart(id, fake.url), ...recs[i]!.callbacks })),
    );
    const drained = pool.drain(60_000);
    expect(pool.accepting()).toBe(false);
    await expect(pool.start({ start: textStart('iv-drain-3', fake.url) })).rejects.toMatchObject({ status: 503 });
    // The interviews under way still take turns.
    expect(finishing!.send({ type: 'user_text', text: 'I led the migration.' })).toBe(true);
    await recs[0]!.waitFor(() => recs[0]!.items().filter((i) => i.role === 'assistant').length >= 2, 'the reply after the greeting');
    await finishing!.stop('candidate');
    await lingering!.stop('candidate');
    expect(await drained).toBe(0);
    expect(recs.map((rec) => rec.ends.map((e) => e.reason))).toEqual([['candidate'], ['candidate']]);

    // One that does not end by itself is still live at the limit, and the shutdown ends it.
    const { pool: other } = makePool();
    const rec = recorder();
    await other.start({ start: textStart('iv-drain-4', fake.url), ...rec.callbacks });
    expect(await other.drain(200)).toBe(1);
    await other.shutdown(20_000);
    expect(rec.ends).toEqual([expect.objectContaining({ reason: 'shutdown' })]);
    await pool.shutdown();
  }, 120_000);

  it('waits for the end of a child that is already gone but still being recorded', async () => {
    const { pool } = makePool({ entry: SILENT_AGENT });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ends: InterviewEnd[] = [];
    const child = await pool.start({
      start: textStart('ready-slow-end', fake.url),
      onEnd: async (end) => {
        await gate;
        ends.push(end);
      },
    });
    process.kill(child.pid, 'SIGKILL');
    await until(() => pool.active() === 0, 'the slot to be freed');
    expect(pool.get('ready-slow-end')).toBe(child);

    let shutDown = false;
    const shutdown = pool.shutdown(10_000).then(() => (shutDown = true));
    await sleep(100);
    expect(shutDown).toBe(false);
    release();
    await shutdown;
    expect(ends).toEqual([expect.objectContaining({ reason: 'error' })]);
    expect(pool.get('ready-slow-end')).toBeUndefined();
  });

  it('gives a child that ends slowly the whole shutdown deadline, not the shorter stop grace: it is not killed and its last lines are written', async () => {
    // Production settings: the pool's default stop grace (5 s) and shutdown deadline (10 s).
    const { pool, entries } = makePool({ entry: SLOW_STOP_AGENT });
    const rec = recorder(20);
    const child = await pool.start({ start: textStart('slow-6500', fake.url), ...rec.callbacks });

    await pool.shutdown();
    expect(isAlive(child.pid)).toBe(false);
    expect(rec.items().map((item) => item.text)).toEqual(['Thank you for your time.', 'Goodbye.']);
    expect(rec.messages.at(-1)).toEqual({ type: 'ended', reason: 'shutdown' });
    expect(rec.ends).toEqual([expect.objectContaining({ reason: 'shutdown', ready: true })]);
    expect(rec.deliveredAtEnd[0]).toBe(rec.messages.length);
    const end = entries().find((e) => e.msg === 'interview child ended');
    expect(end).toMatchObject({ exitCode: 0, signal: null });
    expect(entries().some((e) => e.msg.includes('killing it'))).toBe(false);
  }, 30_000);

  it('kills a child that ignores stop at the shutdown deadline, even with a longer stop grace', async () => {
    const { pool, entries } = makePool({ entry: SILENT_AGENT, stopGraceMs: 60_000 });
    const rec = recorder();
    const child = await pool.start({ start: textStart('ready-deaf', fake.url), ...rec.callbacks });

    const began = performance.now();
    await pool.shutdown(1_000);
    const tookMs = performance.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(990);
    expect(tookMs).toBeLessThan(10_000);
    expect(isAlive(child.pid)).toBe(false);
    expect(entries().find((e) => e.msg === 'interview child ended')).toMatchObject({ reason: 'shutdown', signal: 'SIGKILL' });
    expect(rec.ends).toEqual([expect.objectContaining({ reason: 'shutdown', ready: true })]);
  });
});
