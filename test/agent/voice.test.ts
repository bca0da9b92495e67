// Voice mode is built from a `start` message with dummy keys and no network: the plugin
// classes get explicit keys (never LiveKit inference), turn detection and interruption are
// pinned to local VAD. A wrong constructor option fails here rather than in a live call.

import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as openai from '@livekit/agents-plugin-openai';
import * as silero from '@livekit/agents-plugin-silero';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../agent/errors.ts';
import type { ProviderKeys, StartMessage } from '../../agent/protocol.ts';
import { CONNECTION_OPTIONS, createSession, InterviewLLM } from '../../agent/session.ts';
import { buildVoiceModels, parseControl } from '../../agent/voice.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';

const voiceStart = (keys: Partial<ProviderKeys> = {}): Extract<StartMessage, { mode: 'voice' }> => ({
  type: 'start',
  mode: 'voice',
  keys: { llmApiKey: 'sk-dummy-llm-key', llmModel: 'gpt-4o-mini', deepgramKey: 'dg-dummy-key', ttsProvider: 'openai', ...keys },
  interview: { interviewId: 'iv-v', candidateName: 'Kim', jobRole: 'Designer', experienceLevel: 'senior' },
  livekit: { url: 'wss://example.invalid', token: 'dummy.jwt.token', room: 'room-1', candidateIdentity: 'candidate-1' },
});

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('voice pipeline construction (no network)', () => {
  it('builds Deepgram STT, OpenAI TTS, Silero VAD and the user LLM into a VAD-driven session', async () => {
    // The session warms the LLM connection up (GET /models): point it at a local fake.
    fake = await startFakeOpenAI({ apiKey: 'sk-dummy-llm-key' });
    const start = voiceStart({ llmBaseUrl: fake.url, openaiTtsKey: 'sk-dummy-tts-key' });
    const models = await buildVoiceModels(start.keys);
    expect(models.stt).toBeInstanceOf(deepgram.STT);
    expect(models.tts).toBeInstanceOf(openai.TTS);
    expect(models.vad).toBeInstanceOf(silero.VAD);

    const model = new InterviewLLM(start.keys);
    expect(model.model).toBe('gpt-4o-mini');
    const session = createSession(model, models);
    expect(session.stt).toBe(models.stt);
    expect(session.tts).toBe(models.tts);
    expect(session.vad).toBe(models.vad);
    expect(session.llm).toBe(model);
    expect(session.turnDetection).toBe('vad');
    expect(session.interruptionDetection).toBe('vad');
    // A few quick retries, then the first failure that survives them ends the interview.
    expect(session.connOptions).toEqual(CONNECTION_OPTIONS);
    expect(session.connOptions.maxUnrecoverableErrors).toBe(0);
    for (const options of [session.connOptions.sttConnOptions, session.connOptions.llmConnOptions, session.connOptions.ttsConnOptions]) {
      expect(options.maxRetry).toBeGreaterThan(0);
      expect(options.maxRetry).toBeLessThanOrEqual(2);
      expect(options.retryIntervalMs).toBeLessThanOrEqual(500);
    }

    for (let waited = 0; fake.requests.length === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    await session.close();
    await model.aclose();
  });

  it('uses Deepgram for TTS when chosen', async () => {
    const models = await buildVoiceModels(voiceStart({ ttsProvider: 'deepgram' }).keys);
    expect(models.tts).toBeInstanceOf(deepgram.TTS);
  });

  it('reuses the LLM key for OpenAI TTS only when the LLM is OpenAI itself', async () => {
    await expect(buildVoiceModels(voiceStart().keys)).resolves.toBeDefined();
    const otherLLM = buildVoiceModels(voiceStart({ llmBaseUrl: 'http://127.0.0.1:9/v1' }).keys);
    await expect(otherLLM).rejects.toBeInstanceOf(ProviderError);
    await expect(otherLLM).rejects.toMatchObject({ failure: { provider: 'tts' } });
  });

  it('needs a Deepgram key for speech-to-text', async () => {
    const error = await buildVoiceModels(voiceStart({ deepgramKey: undefined }).keys).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toEqual({ provider: 'stt', message: 'Deepgram speech-to-text has no key — add one in Settings → Keys.' });
  });

  it('reads skip requests from the page on the interview.control topic', () => {
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect(parseControl(encode({ type: 'skip_stage' }))).toEqual({});
    expect(parseControl(encode({ type: 'skip_stage', stage: 'closing' }))).toEqual({ stage: 'closing' });
    expect(parseControl(encode({ type: 'skip_stage', stage: 'lunch' }))).toBeNull();
    expect(parseControl(encode({ type: 'other' }))).toBeNull();
    expect(parseControl(new TextEncoder().encode('not json'))).toBeNull();
  });
});
