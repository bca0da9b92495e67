// The interview in text mode, in-process, with a scripted model (voice.testing.FakeLLM): no
// network, no audio. Each candidate turn goes through session.run({ userInput }).wait().

import type { llm as sdkLlm } from '@livekit/agents';
import { afterEach, describe, expect, it } from 'vitest';
import * as prompts from '../../agent/prompts.ts';
import { STAGE_RULES } from '../../agent/stages.ts';
import { waitFor } from '../helpers/wait.ts';
import { ADVANCE, Clock, startText, textStart, type Reply, type TextHarness } from './helpers.ts';

let harness: TextHarness | undefined;
afterEach(async () => {
  await harness?.running.stop('shutdown');
  harness = undefined;
});

/** Asks a question for every line, and moves on when the candidate says "next". */
function interviewer(input: string): Reply | undefined {
  if (input.includes('Now in the closing stage')) return { content: 'Thank you so much, Sam. Feedback will be ready soon. Goodbye!' };
  if (input.startsWith('"Now in the')) return { content: 'Great. What got you started in this field?' };
  if (input.startsWith('"Not yet')) return { content: 'Before we move on, what else did you work on?' };
  if (input.includes('next')) return { content: 'Thanks.', toolCalls: ADVANCE };
  return { content: 'Interesting. Can you give me an example?' };
}

describe('interview stages (text mode, FakeLLM)', () => {
  it('greets the candidate by name in the welcome stage before any input', async () => {
    harness = await startText(interviewer);
    const [greeting] = harness.items();
    expect(greeting).toMatchObject({ role: 'assistant', stage: 'welcome', text: prompts.greeting(textStart().interview) });
    expect(greeting!.text).toContain('Sam');
    expect(greeting!.text).toContain('Alex');
  });

  it('moves through the five stages in order and ends as completed after the closing', async () => {
    harness = await startText(interviewer);
    await harness.say("I'm well, next please");
    for (const stage of ['self_intro', 'past_experience', 'company_fit'] as const) {
      for (let i = 0; i < STAGE_RULES[stage].minQuestions; i++) await harness.say(`answer ${i} in ${stage}`);
      await harness.say('next');
    }
    await waitFor(() => harness!.messages.some((m) => m.type === 'ended'), { explain: 'the interview to end', timeoutMs: 5_000 });

    const stages = harness.stages();
    expect(stages.map((s) => s.stage)).toEqual(['self_intro', 'past_experience', 'company_fit', 'closing']);
    expect(stages.map((s) => s.previous)).toEqual(['welcome', 'self_intro', 'past_experience', 'company_fit']);
    expect(stages.every((s) => s.by === 'agent' && s.skipped.length === 0)).toBe(true);

    const last = harness.messages.at(-1);
    expect(last).toEqual({ type: 'ended', reason: 'completed' });
    const goodbye = harness.items().at(-1)!;
    expect(goodbye).toMatchObject({ role: 'assistant', stage: 'closing' });
    expect(goodbye.text).toContain('Goodbye');
  });

  it('refuses advance_stage before the minimum number of questions', async () => {
    harness = await startText(interviewer);
    await harness.say('next'); // welcome has no minimum: accepted
    expect(harness.running.interview.machine.current).toBe('self_intro');

    await harness.say('next'); // one question asked in self_intro so far, two needed
    expect(harness.running.interview.machine.current).toBe('self_intro');
    expect(harness.stages()).toHaveLength(1);
    const outputs = harness.running.session.history.items.filter((item) => item.type === 'function_call_output');
    expect(outputs.at(-1)).toMatchObject({ output: JSON.stringify(prompts.refusedTooEarly('self_intro', 1)) });
    // The model carried on in the same stage.
    expect(harness.items().at(-1)).toMatchObject({ role: 'assistant', stage: 'self_intro', text: 'Before we move on, what else did you work on?' });
  });

  it('moves on when a stage runs out of time, at the next turn, never mid-reply', async () => {
    const clock = new Clock();
    harness = await startText(interviewer, { clock });
    await harness.say('next');
    expect(harness.running.interview.machine.current).toBe('self_intro');

    clock.advance(STAGE_RULES.self_intro.limitMs - 1);
    await harness.say('still talking');
    expect(harness.running.interview.machine.current).toBe('self_intro');

    clock.advance(2);
    await harness.say('my answer after the time ran out');
    const change = harness.stages().at(-1)!;
    expect(change).toMatchObject({ stage: 'past_experience', previous: 'self_intro', by: 'timer', skipped: [] });
    const [answer, reply] = harness.items().slice(-2);
    expect(answer).toMatchObject({ role: 'user', text: 'my answer after the time ran out', stage: 'self_intro' });
    expect(reply).toMatchObject({ role: 'assistant', stage: 'past_experience' });
  });

  it('also lets the timer move on past the minimum: advance_stage is accepted once time is up', async () => {
    const clock = new Clock();
    harness = await startText(interviewer, { clock });
    await harness.say('next');
    clock.advance(STAGE_RULES.self_intro.limitMs);
    expect(harness.running.interview.advanceByAgent()).toBe(prompts.advancedTo('past_experience'));
  });

  it('skips forward on request and records the skipped stages', async () => {
    harness = await startText(interviewer);
    await harness.say('next');
    harness.running.skip('company_fit');
    harness.running.skip('self_intro'); // backwards: ignored
    await harness.running.session.waitForIdle();
    await harness.say('I want to work here because of the product');

    const stages = harness.stages();
    expect(stages).toHaveLength(2);
    expect(stages[1]).toMatchObject({ stage: 'company_fit', previous: 'self_intro', by: 'candidate', skipped: ['self_intro', 'past_experience'] });
    expect(harness.items().at(-1)).toMatchObject({ role: 'assistant', stage: 'company_fit' });
    expect(harness.running.interview.instructions()).toContain('company and role fit');
  });

  it('ends as completed when skipped straight to the closing and the goodbye is said', async () => {
    harness = await startText((input) =>
      input === 'bye' ? { content: 'Thanks for your time, Sam. You will get written feedback soon. Goodbye!' } : interviewer(input),
    );
    harness.running.skip('closing');
    await harness.running.session.waitForIdle();
    await harness.say('bye');
    await waitFor(() => harness!.messages.some((m) => m.type === 'ended'), { explain: 'the interview to end', timeoutMs: 5_000 });
    expect(harness.stages()[0]).toMatchObject({ stage: 'closing', skipped: ['welcome', 'self_intro', 'past_experience', 'company_fit'] });
    expect(harness.messages.at(-1)).toEqual({ type: 'ended', reason: 'completed' });
  });

  it('ends the closing stage by itself when its time is up', async () => {
    const clock = new Clock();
    harness = await startText(interviewer, { clock });
    harness.running.skip('closing');
    await harness.running.session.waitForIdle();
    clock.advance(STAGE_RULES.closing.limitMs);
    harness.running.interview.tick();
    await harness.running.ended;
    expect(harness.messages.at(-1)).toEqual({ type: 'ended', reason: 'completed' });
  });

  it('ends with reason timeout at the hard limit', async () => {
    harness = await startText(interviewer, { start: textStart({ maxDurationSeconds: 0.3 }) });
    expect(await harness.running.ended).toBe('timeout');
    expect(harness.messages.at(-1)).toEqual({ type: 'ended', reason: 'timeout' });
  });

  it('reports every line once, in order, with its stage, before ended', async () => {
    harness = await startText(interviewer);
    await harness.say('hello, next');
    await harness.say('I studied physics');
    await harness.say('then I moved into software');
    await harness.running.stop('candidate');

    const items = harness.items();
    const history = harness.running.session.history.items.flatMap((item) =>
      item.type === 'message' && (item.role === 'user' || item.role === 'assistant') ? [{ role: item.role, text: item.textContent }] : [],
    );
    expect(items.map(({ role, text }) => ({ role, text }))).toEqual(history);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(items.map((i) => `${i.role}:${i.stage}`)).toEqual([
      'assistant:welcome', // greeting
      'user:welcome',
      'assistant:welcome', // "Thanks." + advance_stage
      'assistant:self_intro', // first question of the new stage
      'user:self_intro',
      'assistant:self_intro',
      'user:self_intro',
      'assistant:self_intro',
    ]);
    expect(items.every((i) => i.startedAt <= i.endedAt)).toBe(true);
    expect(harness.messages.at(-1)).toEqual({ type: 'ended', reason: 'candidate' });
    expect(harness.messages.filter((m) => m.type === 'ended')).toHaveLength(1);
  });

  it('reports model latency per turn as metrics', async () => {
    harness = await startText(interviewer);
    await harness.say('hi');
    const metrics = harness.messages.filter((m) => m.type === 'metrics');
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics[0]).toMatchObject({ metrics: { stage: 'welcome', llmTtftMs: expect.any(Number) } });
  });
});

describe('provider failures during the interview (text mode, FakeLLM)', () => {
  /** Raises a model error the way a plugin does: as an 'error' event the SDK's activity dispatches by type. */
  function raise(h: TextHarness, type: 'llm_error' | 'tts_error' | 'stt_error', error: unknown, recoverable: boolean) {
    const model = h.running.session.llm as sdkLlm.LLM;
    model.emit('error', { type, timestamp: Date.now(), label: 'test', error, recoverable } as never);
  }

  const refused = () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
  const TTS_UNREACHABLE = "OpenAI text-to-speech could not be reached at api.openai.com (connection refused) — check the server's network and try again.";

  it('pauses on a model or voice error the SDK gives up on, naming the provider, and ends only when the pause limit runs out', async () => {
    const start = textStart();
    harness = await startText(interviewer, { start: { ...start, interview: { ...start.interview, providerPauseSeconds: 1 } } });
    raise(harness, 'tts_error', refused(), true); // being retried: nothing to say yet
    await new Promise((resolve) => setImmediate(resolve));
    expect(harness.messages.some((m) => ['error', 'ended', 'paused'].includes(m.type))).toBe(false);

    const before = Date.now();
    raise(harness, 'tts_error', refused(), false);
    const paused = harness.messages.find((m) => m.type === 'paused');
    expect(paused).toEqual({ type: 'paused', provider: 'tts', message: TTS_UNREACHABLE, endsAt: expect.any(Number) });
    expect((paused as { endsAt: number }).endsAt).toBeGreaterThanOrEqual(before + 1000);
    raise(harness, 'llm_error', refused(), false); // still failing: the same pause, the newest reason
    const pauses = harness.messages.filter((m) => m.type === 'paused') as Extract<typeof paused, { type: 'paused' }>[];
    expect(pauses).toHaveLength(2);
    expect(pauses[1]!.provider).toBe('llm');
    expect(pauses[1]!.endsAt).toBe(pauses[0]!.endsAt);
    expect(harness.messages.some((m) => m.type === 'ended')).toBe(false);

    expect(await harness.running.ended).toBe('error');
    expect(Date.now()).toBeGreaterThanOrEqual(pauses[0]!.endsAt - 50);
    expect(harness.messages.filter((m) => m.type === 'error' || m.type === 'ended')).toEqual([
      { type: 'error', provider: 'llm', message: 'The LLM provider could not be reached at api.openai.com (connection refused) — check the base URL in Settings → Keys.' },
      { type: 'ended', reason: 'error' },
    ]);
  });

  it('resumes when a reply comes through after a pause (the candidate answered again), and a retry then does nothing', async () => {
    harness = await startText(interviewer);
    await harness.say('Doing well.');
    raise(harness, 'llm_error', refused(), false);
    expect(harness.messages.at(-1)).toMatchObject({ type: 'paused', provider: 'llm' });
    await harness.say('Are you there?');
    const resumed = harness.messages.findIndex((m) => m.type === 'resumed');
    expect(resumed).toBeGreaterThan(0);
    expect(harness.messages[resumed - 1]).toMatchObject({ type: 'item', item: { role: 'assistant', text: 'Interesting. Can you give me an example?' } });
    const count = harness.messages.length;
    harness.running.retry(); // not paused any more: nothing to run again
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.messages.length).toBe(count);
    expect(harness.messages.some((m) => m.type === 'ended')).toBe(false);
  });

  it('says plainly which provider refused the key', async () => {
    harness = await startText(interviewer);
    raise(harness, 'stt_error', { name: 'APIStatusError', message: 'Unauthorized: dg-secret-123456789', statusCode: 401 }, false);
    expect(await harness.running.ended).toBe('error');
    expect(harness.messages.find((m) => m.type === 'error')).toEqual({
      type: 'error',
      provider: 'stt',
      message: 'Deepgram speech-to-text rejected the key — check Settings → Keys.',
    });
  });
});
