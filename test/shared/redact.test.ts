// One redaction: the same marker and the same idea of what looks like a key wherever a secret
// could be printed — the server's log, a child's output, the key test's messages, the child's
// own stdout.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeLogsToStderr } from '../../agent/logs.ts';
import { startSecrets, type StartMessage } from '../../agent/protocol.ts';
import { testProviderKeys } from '../../server/keys/checks.ts';
import { MIN_SECRET_LENGTH, REDACTED, redactor, redactShapes } from '../../shared/redact.ts';
import { captureLogs } from '../helpers/logs.ts';

const LONG_ENOUGH = 'k'.repeat(MIN_SECRET_LENGTH);
const TOO_SHORT = 'k'.repeat(MIN_SECRET_LENGTH - 1);
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbnRlcnZpZXdlciJ9.c2lnbmF0dXJlLXZhbHVl';

describe('redactor', () => {
  it('hides the exact values in their printed forms, bearer tokens and JWTs, and leaves the rest alone', () => {
    const redact = redactor(['dg-secret-value-77', 'sk-a"b\\c-123456', '', undefined, 'abc']);
    expect(redact('deepgram dg-secret-value-77 and again dg-secret-value-77')).toBe(`deepgram ${REDACTED} and again ${REDACTED}`);
    expect(redact(JSON.stringify({ key: 'sk-a"b\\c-123456' }))).toBe(`{"key":"${REDACTED}"}`);
    expect(redact(`url=${encodeURIComponent('sk-a"b\\c-123456')}`)).toBe(`url=${REDACTED}`);
    expect(redact('authorization: bearer abc.DEF-ghi_123456')).toBe(`authorization: bearer ${REDACTED}`);
    expect(redact(`connecting with ${JWT}`)).toBe(`connecting with ${REDACTED}`);
    // Values too short to be keys are not hunted for (every "abc" would go).
    expect(redact('abc stage welcome: Bearer')).toBe('abc stage welcome: Bearer');
  });

  it(`hunts for values of ${MIN_SECRET_LENGTH} characters or more, and bearer tokens as long`, () => {
    expect(redactor([LONG_ENOUGH])(`key ${LONG_ENOUGH}`)).toBe(`key ${REDACTED}`);
    expect(redactor([TOO_SHORT])(`key ${TOO_SHORT}`)).toBe(`key ${TOO_SHORT}`);
    expect(redactShapes(`Bearer ${LONG_ENOUGH}`)).toBe(`Bearer ${REDACTED}`);
    expect(redactShapes(`Bearer ${TOO_SHORT}`)).toBe(`Bearer ${TOO_SHORT}`);
  });
});

describe('the secrets of a start message', () => {
  it('are the keys and, for voice, the LiveKit token', () => {
    const keys = { llmApiKey: 'sk-llm', llmModel: 'gpt-4o-mini', ttsProvider: 'openai' as const, deepgramKey: 'dg-key', openaiTtsKey: 'sk-tts' };
    const interview = { interviewId: 'iv-1', candidateName: 'Ada', jobRole: 'Engineer', experienceLevel: 'senior' as const };
    const text: StartMessage = { type: 'start', mode: 'text', keys, interview };
    const voice: StartMessage = { ...text, mode: 'voice', livekit: { url: 'wss://lk.example', token: 'lk-token', room: 'room', candidateIdentity: 'cand' } };
    expect(startSecrets(text).sort()).toEqual(['dg-key', 'sk-llm', 'sk-tts']);
    expect(startSecrets(voice).sort()).toEqual(['dg-key', 'lk-token', 'sk-llm', 'sk-tts']);
    expect(startSecrets({ ...text, keys: { ...keys, deepgramKey: undefined, openaiTtsKey: undefined } })).toEqual(['sk-llm']);
  });
});

describe('every place that prints', () => {
  afterEach(() => vi.restoreAllMocks());

  it("the server's log: secret-named fields and token shapes, with the one marker", () => {
    const logs = captureLogs();
    logs.logger.warn({ apiKey: 'sk-anything', detail: `sent Bearer ${LONG_ENOUGH}`, err: new Error(`rejected ${JWT}`) }, 'provider failed');
    const line = JSON.parse(logs.lines[0]!) as { apiKey: string; detail: string; err: { message: string } };
    expect(line).toMatchObject({ apiKey: REDACTED, detail: `sent Bearer ${REDACTED}`, err: { message: `rejected ${REDACTED}` } });
    expect(logs.text()).not.toContain(JWT);
  });

  it("the child's stdout, sent to stderr without the keys it was given", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    const stdoutWrite = process.stdout.write;
    try {
      routeLogsToStderr([LONG_ENOUGH, TOO_SHORT]);
      process.stdout.write(`model refused ${LONG_ENOUGH}; short ${TOO_SHORT}; Bearer ${JWT}\n`);
    } finally {
      process.stdout.write = stdoutWrite;
    }
    expect(written).toEqual([`model refused ${REDACTED}; short ${TOO_SHORT}; Bearer ${REDACTED}\n`]);
  });

  it("the key test's messages, when a key was pasted into a URL field", async () => {
    const results = await testProviderKeys(
      { llmBaseUrl: `https://${LONG_ENOUGH}.example.com/v1`, llmKey: LONG_ENOUGH },
      { production: true, timeoutMs: 2000, resolve: async () => Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })) },
    );
    expect(results.llm.message).toBe(`cannot reach https://${REDACTED}.example.com/v1 (the host name was not found)`);
  });
});
