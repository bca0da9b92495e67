// The stage machine, prompts and error wording on their own: pure functions, no SDK.

import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../agent/errors.ts';
import * as prompts from '../../agent/prompts.ts';
import { startMessageProblem } from '../../agent/protocol.ts';
import { isQuestion, STAGE_RULES, StageMachine } from '../../agent/stages.ts';

function machineAt(ms = 0) {
  const clock = { ms };
  return { clock, machine: new StageMachine({ now: () => clock.ms }) };
}

describe('StageMachine', () => {
  it('starts in welcome and advances in order up to closing', () => {
    const { machine } = machineAt();
    const seen = [machine.current];
    while (!machine.isLast) {
      for (let i = 0; i < STAGE_RULES[machine.current].minQuestions; i++) machine.recordInterviewerLine(machine.current, 'Why?');
      const result = machine.advance();
      expect(result.ok).toBe(true);
      seen.push(machine.current);
    }
    expect(seen).toEqual(['welcome', 'self_intro', 'past_experience', 'company_fit', 'closing']);
    expect(machine.advance()).toEqual({ ok: false, reason: 'last_stage' });
  });

  it('refuses to advance before the minimum unless the stage time is up', () => {
    const { clock, machine } = machineAt();
    machine.advance();
    machine.recordInterviewerLine('self_intro', 'Tell me about yourself.');
    expect(machine.advance()).toEqual({ ok: false, reason: 'too_early', questionsNeeded: 1 });
    clock.ms += STAGE_RULES.self_intro.limitMs;
    expect(machine.advance()).toMatchObject({ ok: true, change: { stage: 'past_experience', by: 'agent' } });
  });

  it('moves on by timer only once the stage limit has passed', () => {
    const { clock, machine } = machineAt(1000);
    clock.ms += STAGE_RULES.welcome.limitMs - 1;
    expect(machine.advanceIfTimeUp()).toBeNull();
    clock.ms += 1;
    expect(machine.advanceIfTimeUp()).toEqual({ stage: 'self_intro', previous: 'welcome', skipped: [], at: clock.ms, by: 'timer' });
    expect(machine.timeLeftMs()).toBe(STAGE_RULES.self_intro.limitMs);
  });

  it('skips forward only, recording the current and jumped-over stages once', () => {
    const { machine } = machineAt();
    expect(machine.skipTo('welcome')).toBeNull();
    expect(machine.skipTo()).toMatchObject({ stage: 'self_intro', skipped: ['welcome'], by: 'candidate' });
    expect(machine.skipTo('company_fit')).toMatchObject({ stage: 'company_fit', skipped: ['welcome', 'self_intro', 'past_experience'] });
    expect(machine.skipTo('self_intro')).toBeNull();
    expect(machine.entry).toBe('candidate');
  });

  it('counts interviewer lines that ask something as questions', () => {
    expect(isQuestion('What did you build?')).toBe(true);
    expect(isQuestion('Walk me through your last project.')).toBe(true);
    expect(isQuestion('Thanks, that is helpful.')).toBe(false);
  });
});

describe('prompts', () => {
  const params = {
    interviewId: 'x',
    candidateName: 'Priya Natarajan',
    jobRole: 'Site Reliability Engineer',
    experienceLevel: 'senior' as const,
    resumeText: 'R'.repeat(7000),
    jobDescription: 'J'.repeat(5000),
    interviewerName: 'Jordan',
  };
  const status = (stage: 'self_intro' | 'past_experience' | 'company_fit' | 'closing') => ({
    stage,
    questionsAsked: 1,
    questionsNeeded: 2,
    timeLeftMs: 100_000,
    timeUp: false,
    entry: 'agent' as const,
    firstTurnInStage: false,
  });

  it('greets by first name with the configured interviewer', () => {
    expect(prompts.greeting(params)).toMatch(/^Hi Priya, I'm Jordan/);
    expect(prompts.greeting({ ...params, interviewerName: undefined })).toContain("I'm Alex");
  });

  it('puts the résumé (≤ 6,000 chars) in past experience and the job description (≤ 4,000) in company fit', () => {
    const past = prompts.instructions(params, status('past_experience'));
    expect(past).toContain('R'.repeat(prompts.RESUME_MAX_CHARS));
    expect(past).not.toContain('R'.repeat(prompts.RESUME_MAX_CHARS + 1));
    expect(past).not.toContain('JJJ');
    const fit = prompts.instructions(params, status('company_fit'));
    expect(fit).toContain('J'.repeat(prompts.JOB_DESCRIPTION_MAX_CHARS));
    expect(fit).not.toContain('J'.repeat(prompts.JOB_DESCRIPTION_MAX_CHARS + 1));
    expect(fit).not.toContain('RRR');
    expect(prompts.instructions(params, status('self_intro'))).toContain('senior Site Reliability Engineer');
  });

  it('never ends the instructions with an "instructions:" line (FakeLLM reads that as a lookup key)', () => {
    for (const stage of ['self_intro', 'past_experience', 'company_fit', 'closing'] as const) {
      expect(prompts.instructions(params, status(stage)).split('\n').at(-1)).not.toMatch(/^instructions:/);
    }
  });
});

describe('provider errors', () => {
  const keys = { llmApiKey: 'sk-secret-123456789', llmModel: 'gpt-4o-mini', ttsProvider: 'openai' as const };

  it('names the provider and what to do, without echoing the provider text', () => {
    const error = Object.assign(new Error('Incorrect API key provided: sk-secret-123456789'), { status: 401 });
    const failure = describeFailure('llm', error, keys);
    expect(failure).toEqual({ provider: 'llm', message: 'The LLM provider (api.openai.com) rejected the key — check Settings → Keys.' });
    expect(describeFailure('stt', { statusCode: 401 }, keys).message).toBe('Deepgram speech-to-text rejected the key — check Settings → Keys.');
    expect(describeFailure('llm', new Error('connect ECONNREFUSED 127.0.0.1:9'), { ...keys, llmBaseUrl: 'http://127.0.0.1:9/v1' }).message).toBe(
      'The LLM provider (127.0.0.1:9) could not be reached — check the base URL in Settings → Keys.',
    );
  });
});

describe('start message check', () => {
  it('accepts a text start and names the first missing field otherwise', () => {
    const start = {
      type: 'start',
      mode: 'text',
      keys: { llmApiKey: 'k', llmModel: 'm', ttsProvider: 'openai' },
      interview: { interviewId: 'i', candidateName: 'c', jobRole: 'r', experienceLevel: 'mid' },
    };
    expect(startMessageProblem(start)).toBeNull();
    expect(startMessageProblem({ ...start, mode: 'voice' })).toBe('voice mode needs livekit.url and livekit.token');
    expect(startMessageProblem({ ...start, keys: { ...start.keys, llmApiKey: '' } })).toBe('keys.llmApiKey is required');
  });
});
