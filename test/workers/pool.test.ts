// The pool against the real agent child in text mode and the local fake model.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterviewChild } from '../../server/workers/pool.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { isAlive, KEY, makePool, recorder, SILENT_AGENT, sleep, textStart } from './helpers.ts';

const REPLY = 'Nice to meet you, Ana. What drew you to data analysis?';
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: REPLY });
});
afterAll(async () => {
  await fake?.close();
});

describe('worker pool', () => {
  it('runs one interview: ready → greeting → user_text → reply → stop → end, slot freed', async () => {
    const { pool, logs, entries } = makePool();
    const rec = recorder(5);
    const child = await pool.start({ start: textStart('iv-happy', fake.url), ...rec.callbacks });
    expect(pool.active()).toBe(1);
    expect(pool.get('iv-happy')).toBe(child);
    expect(child.readyMs).toBeGreaterThan(0);
    expect(isAlive(child.pid)).toBe(true);

    await rec.waitFor(() => rec.items().length >= 1, 'greeting');
    expect(rec.items()[0]).toMatchObject({ role: 'assistant', stage: 'welcome' });
    expect(rec.items()[0]!.text).toMatch(/^Hi Ana, I'm Alex/);

    expect(child.send({ type: 'user_text', text: "I'm well, thanks!" })).toBe(true);
    await rec.waitFor(() => rec.items().length >= 3, 'reply');
    expect(rec.items()[1]).toMatchObject({ role: 'user', text: "I'm well, thanks!" });
    expect(rec.items()[2]).toMatchObject({ role: 'assistant', text: REPLY });

    await child.stop('candidate');
    expect(isAlive(child.pid)).toBe(false);
    expect(pool.active()).toBe(0);
    expect(pool.get('iv-happy')).toBeUndefined();
    const end = await child.ended;
    expect(end).toMatchObject({ interviewId: 'iv-happy', reason: 'candidate' });
    expect(rec.ends).toHaveLength(1);
    expect(rec.messages.at(-1)).toEqual({ type: 'ended', reason: 'candidate' });
    expect(rec.deliveredAtEnd[0]).toBe(rec.messages.length);
    expect(child.send({ type: 'user_text', text: 'too late' })).toBe(false);

    const byMsg = (msg: string) => entries().find((e) => e.msg === msg);
    expect(byMsg('interview child spawned')).toMatchObject({ interviewId: 'iv-happy', pid: child.pid });
    expect(byMsg('interview child ready')).toMatchObject({ interviewId: 'iv-happy', ms: child.readyMs });
    expect(byMsg('interview child ended')).toMatchObject({ interviewId: 'iv-happy', reason: 'candidate' });
    expect(byMsg('interview child ended')!.durationMs).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(KEY);
    await pool.shutdown();
  }, 120_000);

  it('refuses a start at once when full, never passes the cap, and starts again once a slot is free', async () => {
    const { pool, pidsSpawned } = makePool({ max: 2 });
    let highest = 0;
    const sampler = setInterval(() => (highest = Math.max(highest, pool.active())), 5);
    const results = await Promise.allSettled(
      ['iv-cap-1', 'iv-cap-2', 'iv-cap-3'].map((id) => pool.start({ start: textStart(id, fake.url) })),
    );
    clearInterval(sampler);
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(started).toHaveLength(2);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ status: 429, code: 'capacity', headers: { 'Retry-After': '60' }, details: { retryAfterSeconds: 60 } });
    expect(highest).toBeLessThanOrEqual(2);
    expect(pool.active()).toBe(2);

    // Full: refused before anything is forked.
    await expect(pool.start({ start: textStart('iv-cap-4', fake.url) })).rejects.toMatchObject({ status: 429, code: 'capacity' });
    expect(pidsSpawned()).toHaveLength(2);

    await started[0]!.stop('candidate');
    expect(pool.active()).toBe(1);
    const again = await pool.start({ start: textStart('iv-cap-4', fake.url) });
    expect(pool.active()).toBe(2);
    await Promise.all([started[1]!.stop(), again.stop()]);
    expect(pool.active()).toBe(0);
    await pool.shutdown();
  }, 120_000);

  it('reports a child killed mid-interview once, as error, after what it had said', async () => {
    const { pool } = makePool();
    const rec = recorder();
    const child = await pool.start({ start: textStart('iv-crash', fake.url), ...rec.callbacks });
    await rec.waitFor(() => rec.items().length >= 1, 'greeting');

    process.kill(child.pid, 'SIGKILL');
    const end = await child.ended;
    expect(end.reason).toBe('error');
    expect(rec.items()[0]!.text).toMatch(/^Hi Ana/);
    expect(rec.messages.some((m) => m.type === 'ended')).toBe(false);
    expect(pool.active()).toBe(0);
    await sleep(100);
    expect(rec.ends).toHaveLength(1);
    await pool.shutdown();
  }, 120_000);

  it('ends an interview on the idle limit (a candidate turn resets it) and on the duration limit', async () => {
    const { pool } = makePool({ idleMs: 1_500 });
    const other = makePool();
    const quiet = recorder();
    const chatty = recorder();
    const short = recorder();
    const shortStart = textStart('iv-short', fake.url);
    shortStart.interview.maxDurationSeconds = 1;
    // Five turns 500 ms apart, from its own ready on, keep one interview going well past the idle limit.
    const chattyRun = (async () => {
      const talking = await pool.start({ start: textStart('iv-idle-chatty', fake.url), ...chatty.callbacks });
      for (let i = 0; i < 5; i++) {
        await sleep(500);
        talking.send({ type: 'user_text', text: `answer ${i}` });
      }
      expect(chatty.ends.map((e) => e.reason)).toEqual([]);
      return talking;
    })();
    const [silent, brief, talking] = await Promise.all([
      pool.start({ start: textStart('iv-idle-quiet', fake.url), ...quiet.callbacks }),
      other.pool.start({ start: shortStart, ...short.callbacks }),
      chattyRun,
    ]);
    expect((await silent.ended).reason).toBe('idle');
    expect(quiet.messages.at(-1)).toEqual({ type: 'ended', reason: 'idle' });
    expect((await brief.ended).reason).toBe('timeout');
    expect(short.messages.at(-1)).toEqual({ type: 'ended', reason: 'timeout' });
    expect((await talking.ended).reason).toBe('idle');
    expect(chatty.items().filter((i) => i.role === 'user').length).toBeGreaterThan(0);
    await Promise.all([pool.shutdown(), other.pool.shutdown()]);
  }, 120_000);

  it('kills a child that ignores stop at the duration backstop, still recorded as timeout', async () => {
    const { pool, entries } = makePool({ entry: SILENT_AGENT, maxDurationMs: 200, durationSlackMs: 0, stopGraceMs: 300 });
    const rec = recorder();
    const child = await pool.start({ start: textStart('ready-deaf', fake.url), ...rec.callbacks });
    const end = await child.ended;
    expect(end.reason).toBe('timeout');
    expect(isAlive(child.pid)).toBe(false);
    expect(entries().some((e) => e.msg === 'interview child did not exit in time; killing it')).toBe(true);
    // The child's output reaches the server's log: stdout at debug, stderr at warn.
    expect(entries().find((e) => e.msg === 'silent-agent: up')).toMatchObject({ level: 20, stream: 'stdout', interviewId: 'ready-deaf' });
    expect(entries().find((e) => e.msg === 'silent-agent: ignoring stop')).toMatchObject({ level: 40, stream: 'stderr' });
    await pool.shutdown();
  });

  it('shutdown stops every child as shutdown, waits for their last messages, leaves none alive', async () => {
    const { pool } = makePool({ max: 3, stopGraceMs: 60_000 });
    const recs = [recorder(50)];
    const deaf = recorder();
    const children: InterviewChild[] = [await pool.start({ start: textStart('iv-down-1', fake.url), ...recs[0]!.callbacks })];
    const deafPool = makePool({ entry: SILENT_AGENT, stopGraceMs: 60_000 });
    const deafChild = await deafPool.pool.start({ start: textStart('ready-deaf-down', fake.url), ...deaf.callbacks });

    await Promise.all([pool.shutdown(4_000), deafPool.pool.shutdown(300)]);
    for (const [i, rec] of recs.entries()) {
      expect(isAlive(children[i]!.pid)).toBe(false);
      expect(rec.messages.at(-1)).toEqual({ type: 'ended', reason: 'shutdown' });
      expect(rec.ends).toEqual([expect.objectContaining({ reason: 'shutdown' })]);
      expect(rec.deliveredAtEnd[0]).toBe(rec.messages.length);
    }
    expect(isAlive(deafChild.pid)).toBe(false);
    expect(deaf.ends).toEqual([expect.objectContaining({ reason: 'shutdown' })]);
    expect(pool.active()).toBe(0);
    expect(deafPool.pool.active()).toBe(0);
    await expect(pool.start({ start: textStart('iv-after', fake.url) })).rejects.toMatchObject({ status: 503, code: 'unavailable' });
  }, 120_000);
});
