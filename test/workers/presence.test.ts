// The idle limit warns before it ends an interview, and a candidate who is there (typing, or
// answering the warning) starts it again: events in order, not times.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idleWarningMs } from '../../server/workers/supervisor.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { KEY, makePool, recorder, SILENT_AGENT, textStart } from './helpers.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me more.' });
});
afterAll(() => fake.close());

describe('presence and the idle warning', () => {
  it('warns before the idle end, and being there starts the limit again', async () => {
    const { pool } = makePool({ entry: SILENT_AGENT, idleMs: 1_500, stopGraceMs: 300 });
    const rec = recorder();
    const timeline: string[] = [];
    let warned!: () => void;
    let warning = new Promise<void>((resolve) => (warned = resolve));
    const endsAts: number[] = [];
    const child = await pool.start({
      start: textStart('ready-presence', fake.url),
      ...rec.callbacks,
      onIdleSoon: (endsAt) => {
        timeline.push('warning');
        endsAts.push(endsAt);
        warned();
      },
    });
    void child.ended.then(() => timeline.push('ended'));

    await warning;
    warning = new Promise<void>((resolve) => (warned = resolve));
    expect(child.stillHere()).toBe(true);
    timeline.push('still here');
    await warning;
    const end = await child.ended;
    expect(end.reason).toBe('idle');
    expect(timeline).toEqual(['warning', 'still here', 'warning', 'ended']);
    expect(child.stillHere()).toBe(false);
    await pool.shutdown();
  }, 60_000);

  it('warns a third of the limit ahead, at most a minute', () => {
    expect(idleWarningMs(3 * 60_000)).toBe(60_000);
    expect(idleWarningMs(1_500)).toBe(500);
    expect(idleWarningMs(10 * 60_000)).toBe(60_000);
  });
});
