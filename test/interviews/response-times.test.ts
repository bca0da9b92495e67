import { describe, expect, it } from 'vitest';
import { median, presentTurn, responseTimes } from '../../server/interviews/response-times.ts';

describe('response times: per-turn figures and medians', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(median([300, 100, 200])).toBe(200);
    expect(median([400, 100])).toBe(250);
    expect(median([1, 2, 3, 4])).toBe(3); // 2.5 rounded to whole ms
    expect(median([7])).toBe(7);
    expect(median([])).toBeNull();
  });

  it('keeps the turns in the order reported, with null where a measure is missing', () => {
    const times = responseTimes([
      { stage: 'welcome', at: 1, llmTtftMs: 500, ttsTtfbMs: 200 },
      { stage: 'self_intro', at: 2, endOfUtteranceDelayMs: 600, llmTtftMs: 300 },
      { stage: 'self_intro', at: 3, endOfUtteranceDelayMs: 800, llmTtftMs: 100, ttsTtfbMs: 400 },
    ]);
    expect(times.turns).toEqual([
      { stage: 'welcome', at: 1, endOfUtteranceDelayMs: null, llmTtftMs: 500, ttsTtfbMs: 200 },
      { stage: 'self_intro', at: 2, endOfUtteranceDelayMs: 600, llmTtftMs: 300, ttsTtfbMs: null },
      { stage: 'self_intro', at: 3, endOfUtteranceDelayMs: 800, llmTtftMs: 100, ttsTtfbMs: 400 },
    ]);
    // Each median counts only the turns that have the measure: missing is not zero.
    expect(times.medians).toEqual({ endOfUtteranceDelayMs: 700, llmTtftMs: 300, ttsTtfbMs: 300 });
  });

  it('has no medians for what a text interview never measures, and none at all without metrics', () => {
    expect(responseTimes([{ stage: 'welcome', at: 1, llmTtftMs: 40 }]).medians).toEqual({ endOfUtteranceDelayMs: null, llmTtftMs: 40, ttsTtfbMs: null });
    expect(responseTimes([])).toEqual({ turns: [], medians: { endOfUtteranceDelayMs: null, llmTtftMs: null, ttsTtfbMs: null } });
    expect(responseTimes(undefined).turns).toEqual([]);
  });

  it('treats a value that is not a duration as not measured', () => {
    const odd = { stage: 'welcome', at: 1, llmTtftMs: -5, ttsTtfbMs: Number.NaN, endOfUtteranceDelayMs: '300' } as never;
    expect(presentTurn(odd)).toEqual({ stage: 'welcome', at: 1, endOfUtteranceDelayMs: null, llmTtftMs: null, ttsTtfbMs: null });
    expect(presentTurn({ stage: 'closing', at: 9, llmTtftMs: 0 }).llmTtftMs).toBe(0);
  });
});
