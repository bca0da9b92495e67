// The stage machine, prompts and error wording on their own: pure functions, no SDK.

import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../agent/errors.ts';
import { UnsafeUrlError } from '../../shared/net-guard.ts';
import * as prompts from '../../agent/prompts.ts';
import { startMessageProblem } from '../../agent/protocol.ts';
import { isQuestion, JOB_DESCRIPTION_MAX_CHARS, RESUME_MAX_CHARS } from '../../shared/vocabulary.ts';
import { STAGE_RULES, StageMachine } from '../../agent/stages.ts';

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
    resumeText: 'R'.repeat(RESUME_MAX_CHARS + 1000),
    jobDescription: 'J'.repeat(JOB_DESCRIPTION_MAX_CHARS + 1000),
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

  it('says at the goodbye what happens to feedback: written now, or asked for on the interview page', () => {
    expect(prompts.instructions(params, status('closing'))).toContain('written feedback is being written now and will be on the interview page');
    const off = prompts.instructions({ ...params, feedbackAfterInterview: false }, status('closing'));
    expect(off).toContain('where they can ask for written feedback');
    expect(off).not.toContain('being written now');
  });

  it('greets by first name with the configured interviewer', () => {
    expect(prompts.greeting(params)).toMatch(/^Hi Priya, I'm Jordan/);
    expect(prompts.greeting({ ...params, interviewerName: undefined })).toContain("I'm Alex");
  });

  it('puts the résumé (as much as the start form takes) in past experience and the job description in company fit', () => {
    const past = prompts.instructions(params, status('past_experience'));
    expect(past).toContain('R'.repeat(RESUME_MAX_CHARS));
    expect(past).not.toContain('R'.repeat(RESUME_MAX_CHARS + 1));
    expect(past).not.toContain('JJJ');
    const fit = prompts.instructions(params, status('company_fit'));
    expect(fit).toContain('J'.repeat(JOB_DESCRIPTION_MAX_CHARS));
    expect(fit).not.toContain('J'.repeat(JOB_DESCRIPTION_MAX_CHARS + 1));
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
    expect(describeFailure('llm', new Error('connect ECONNREFUSED 127.0.0.1:4100'), { ...keys, llmBaseUrl: 'http://127.0.0.1:4100/v1' }).message).toBe(
      'The LLM provider could not be reached at 127.0.0.1:4100 (connection refused) — check the base URL in Settings → Keys.',
    );
  });

  it('says why a provider could not be reached, from the SDK error or the network error behind it', () => {
    const local = { ...keys, llmBaseUrl: 'https://llm.example.test/v1' };
    // What the SDK reports for a model call that could not connect: the cause is gone.
    const sdkError = { name: 'APIStatusError', message: 'Connection error.', statusCode: -1 };
    const dnsFailure = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND llm.example.test'), { code: 'ENOTFOUND' }) });
    expect(describeFailure('llm', sdkError, local, { cause: dnsFailure }).message).toBe(
      'The LLM provider could not be reached at llm.example.test (host name not found) — check the base URL in Settings → Keys.',
    );
    expect(describeFailure('llm', sdkError, local).message).toBe(
      'The LLM provider could not be reached at llm.example.test — check the base URL in Settings → Keys.',
    );
    expect(describeFailure('llm', { name: 'APITimeoutError', message: 'Request timed out.' }, local).message).toContain('(no answer in time)');
    const badPort = new TypeError('fetch failed', { cause: new Error('bad port') });
    expect(describeFailure('llm', badPort, { ...keys, llmBaseUrl: 'http://127.0.0.1:9/v1' }).message).toBe(
      'The LLM provider could not be reached at 127.0.0.1:9 (that port is blocked for web requests) — check the base URL in Settings → Keys.',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(describeFailure('stt', refused, keys).message).toBe(
      "Deepgram speech-to-text could not be reached at api.deepgram.com (connection refused) — check the server's network and try again.",
    );
    expect(describeFailure('tts', refused, { ...keys, ttsProvider: 'deepgram' }).message).toMatch(/^Deepgram text-to-speech could not be reached at api\.deepgram\.com/);
    // The LiveKit URL is stored encrypted like the keys: not repeated.
    expect(describeFailure('livekit', refused).message).toBe('LiveKit could not be reached (connection refused) — check the LiveKit URL in Settings → Keys.');
  });

  it('names the HTTP status a provider answered with, never its error text', () => {
    const local = { ...keys, llmBaseUrl: 'http://127.0.0.1:4100/v1' };
    const answered = (status: number) => ({ name: 'APIStatusError', message: `Upstream said no to ${keys.llmApiKey}`, statusCode: status });
    expect(describeFailure('llm', answered(503), local).message).toBe(
      "The LLM provider (127.0.0.1:4100) answered HTTP 503 (a problem on the provider's side) — try again in a moment.",
    );
    expect(describeFailure('llm', answered(429), local).message).toBe(
      'The LLM provider (127.0.0.1:4100) refused the request (HTTP 429: rate limit or no credit left) — check your plan with the provider.',
    );
    expect(describeFailure('llm', answered(400), local).message).toBe(
      'The LLM provider (127.0.0.1:4100) refused the request (HTTP 400) — check the model and base URL in Settings → Keys.',
    );
    expect(describeFailure('tts', answered(502), keys).message).toBe(
      "OpenAI text-to-speech answered HTTP 502 (a problem on the provider's side) — try again in a moment.",
    );
    for (const status of [400, 401, 404, 429, 500, 503]) expect(describeFailure('llm', answered(status), local).message).not.toContain(keys.llmApiKey);
  });

  it("names the user's own Deepgram and speech servers, and sends the user to the setting that holds them", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const own = { ...keys, deepgramBaseUrl: 'https://dg.example.test:8443', ttsBaseUrl: 'http://kokoro.example.test:8880/v1' };
    expect(describeFailure('stt', refused, own).message).toBe(
      'Deepgram speech-to-text could not be reached at dg.example.test:8443 (connection refused) — check the Deepgram base URL in Settings → Keys.',
    );
    expect(describeFailure('tts', refused, own).message).toBe(
      'Text-to-speech could not be reached at kokoro.example.test:8880 (connection refused) — check the speech base URL in Settings → Keys.',
    );
    expect(describeFailure('tts', refused, { ...own, ttsProvider: 'deepgram' }).message).toBe(
      'Deepgram text-to-speech could not be reached at dg.example.test:8443 (connection refused) — check the Deepgram base URL in Settings → Keys.',
    );
    // A speech server that refuses the request: its model, voice or address is what to check.
    expect(describeFailure('tts', { statusCode: 400 }, own).message).toBe(
      'Text-to-speech refused the request (HTTP 400) — check the speech model, voice and base URL in Settings → Keys.',
    );
    const guard = new UnsafeUrlError('address', 'refused', { host: 'kokoro.example.test', address: '10.0.0.5', problem: 'private' });
    expect(describeFailure('tts', guard, own).message).toBe(
      'The text-to-speech address points to kokoro.example.test, which resolves to a private address (10.0.0.5) that cannot be used — change it in Settings → Keys.',
    );
    // Deepgram's and OpenAI's own addresses are not the user's to change.
    expect(describeFailure('tts', guard, keys).message).toMatch(/— check the server's network\.$/);
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
    expect(startMessageProblem({ ...start, mode: 'voice' })).toBe('voice mode needs livekit.url, livekit.token and livekit.candidateIdentity');
    expect(startMessageProblem({ ...start, keys: { ...start.keys, llmApiKey: '' } })).toBe('keys.llmApiKey is required');
    const speech = { deepgramBaseUrl: 'https://dg.example.test', ttsBaseUrl: 'http://127.0.0.1:8880/v1', ttsModel: 'kokoro', ttsVoice: 'af_bella', openaiTtsKey: 'k2' };
    expect(startMessageProblem({ ...start, keys: { ...start.keys, ...speech } })).toBeNull();
    expect(startMessageProblem({ ...start, keys: { ...start.keys, ttsVoice: 7 } })).toBe('keys.ttsVoice must be text when given');
    expect(startMessageProblem({ ...start, keys: { ...start.keys, deepgramBaseUrl: 'wss://dg.example.test' } })).toBe('keys.deepgramBaseUrl must be an http(s):// URL');
    expect(startMessageProblem({ ...start, keys: { ...start.keys, ttsBaseUrl: 'speech.example.test' } })).toBe('keys.ttsBaseUrl must be an http(s):// URL');
  });
});
