// Voice mode is built from a `start` message with dummy keys and no network: the plugin
// classes get explicit keys (never LiveKit inference), turn detection and interruption are
// pinned to local VAD. A wrong constructor option fails here rather than in a live call.

import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as silero from '@livekit/agents-plugin-silero';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ProviderError } from '../../agent/errors.ts';
import type { ProviderKeys, StartMessage } from '../../agent/protocol.ts';
import { CONNECTION_OPTIONS, createSession, InterviewLLM } from '../../agent/session.ts';
import { SpeechTTS } from '../../agent/speech.ts';
import { buildVoiceModels, parseControl } from '../../agent/voice.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from '../fakes/openai-speech.ts';
import { waitFor } from '../helpers/wait.ts';

const voiceStart = (keys: Partial<ProviderKeys> = {}): Extract<StartMessage, { mode: 'voice' }> => ({
  type: 'start',
  mode: 'voice',
  keys: { llmApiKey: 'sk-dummy-llm-key', llmModel: 'gpt-4o-mini', deepgramKey: 'dg-dummy-key', ttsProvider: 'openai', ...keys },
  interview: { interviewId: 'iv-v', candidateName: 'Kim', jobRole: 'Designer', experienceLevel: 'senior' },
  livekit: { url: 'wss://example.invalid', token: 'dummy.jwt.token', room: 'room-1', candidateIdentity: 'candidate-1' },
});

let fake: FakeOpenAI | undefined;
const closing: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

/** A WebSocket server that only notes who connected where (the path and the Authorization header). */
async function startSocketRecorder() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: { path: string; authorization?: string }[] = [];
  let notify = () => {};
  server.on('connection', (_socket, req: IncomingMessage) => {
    connections.push({ path: (req.url ?? '').split('?')[0]!, authorization: req.headers.authorization });
    notify();
  });
  const recorder = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    /** Resolves once `n` connections have arrived. */
    connected: (n: number) =>
      new Promise<void>((resolve) => {
        notify = () => connections.length >= n && resolve();
        notify();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
  closing.push(recorder);
  return recorder;
}

async function startSpeech(): Promise<FakeOpenAISpeech> {
  const speech = await startFakeOpenAISpeech({ apiKey: 'sk-dummy-tts-key' });
  closing.push(speech);
  return speech;
}

/** Every frame of one synthesis, as the session would consume it. */
async function synthesize(tts: VoiceModelsTts, text: string): Promise<number> {
  let frames = 0;
  for await (const audio of tts.synthesize(text)) if (audio.frame.samplesPerChannel > 0) frames++;
  return frames;
}
type VoiceModelsTts = Awaited<ReturnType<typeof buildVoiceModels>>['tts'];

describe('voice pipeline construction (no network)', () => {
  it('builds Deepgram STT, OpenAI TTS, Silero VAD and the user LLM into a VAD-driven session', async () => {
    // The session warms the LLM connection up (GET /models): point it at a local fake.
    fake = await startFakeOpenAI({ apiKey: 'sk-dummy-llm-key' });
    const start = voiceStart({ llmBaseUrl: fake.url, openaiTtsKey: 'sk-dummy-tts-key' });
    const models = await buildVoiceModels(start.keys);
    expect(models.stt).toBeInstanceOf(deepgram.STT);
    expect(models.tts).toBeInstanceOf(SpeechTTS);
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
    // A few quick retries; a model or voice failure that survives them pauses the interview (the SDK never closes it for one).
    expect(session.connOptions).toEqual(CONNECTION_OPTIONS);
    expect(session.connOptions.maxUnrecoverableErrors).toBe(Number.MAX_SAFE_INTEGER);
    for (const options of [session.connOptions.sttConnOptions, session.connOptions.llmConnOptions, session.connOptions.ttsConnOptions]) {
      expect(options.maxRetry).toBeGreaterThan(0);
      expect(options.maxRetry).toBeLessThanOrEqual(2);
      expect(options.retryIntervalMs).toBeLessThanOrEqual(500);
    }

    await waitFor(() => fake!.requests.length > 0, { explain: 'the model to be asked for its models', timeoutMs: 5_000 });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    await session.close();
    await model.aclose();
  });

  it('uses Deepgram for TTS when chosen', async () => {
    const models = await buildVoiceModels(voiceStart({ ttsProvider: 'deepgram' }).keys);
    expect(models.tts).toBeInstanceOf(deepgram.TTS);
  });

  it('speaks with openaiTtsKey only: the server decides whether the LLM key may speak', async () => {
    await expect(buildVoiceModels(voiceStart({ openaiTtsKey: 'sk-dummy-tts-key' }).keys)).resolves.toBeDefined();
    // Even with OpenAI as the LLM, no openaiTtsKey means no key for the voice.
    const noKey = await buildVoiceModels(voiceStart().keys).catch((e: unknown) => e);
    expect(noKey).toBeInstanceOf(ProviderError);
    expect((noKey as ProviderError).failure).toEqual({ provider: 'tts', message: 'OpenAI text-to-speech has no key — add one in Settings → Keys.' });
  });

  it("speaks through the user's OpenAI-compatible speech server with its model, voice and key", async () => {
    const speech = await startSpeech();
    const keys = voiceStart({ openaiTtsKey: 'sk-dummy-tts-key', ttsBaseUrl: speech.url, ttsModel: 'kokoro', ttsVoice: 'af_bella' }).keys;
    const { tts } = await buildVoiceModels(keys);
    expect(tts).toBeInstanceOf(SpeechTTS);
    expect([tts.provider, tts.model]).toEqual([new URL(speech.url).host, 'kokoro']);
    expect(await synthesize(tts, 'Hello there.')).toBeGreaterThan(0);
    expect(speech.requests).toMatchObject([
      { method: 'POST', path: '/v1/audio/speech', authorized: true, model: 'kokoro', voice: 'af_bella', input: 'Hello there.', format: 'pcm' },
    ]);
    // Without a model or voice: OpenAI's own tts-1 and alloy (the plugin's defaults, kept by SpeechTTS).
    const defaults = await buildVoiceModels({ ...keys, ttsModel: undefined, ttsVoice: undefined });
    await synthesize(defaults.tts, 'Hi.');
    expect(speech.requests.at(-1)).toMatchObject({ model: 'tts-1', voice: 'alloy' });
    await Promise.all([tts.close(), defaults.tts.close()]);
  });

  // (A refusal by the guard fails the synthesis; @livekit/agents 1.9 leaves every failed one as an
  // unhandled rejection, so the refusal itself is tested on guardedFetch in test/keys/url-guard.test.ts.)
  it('connects to the speech server through the network guard, so the address connected to is checked in the child', async () => {
    const speech = await startSpeech();
    const port = new URL(speech.url).port;
    const keys = voiceStart({ openaiTtsKey: 'sk-dummy-tts-key', ttsBaseUrl: `http://speech.voice.test:${port}/v1` }).keys;
    // A name only the injected resolver knows: reaching the fake proves the guarded lookup was used.
    const resolve = async (host: string) => {
      if (host !== 'speech.voice.test') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const { tts } = await buildVoiceModels(keys, { production: false, resolve });
    expect(await synthesize(tts, 'Hello.')).toBeGreaterThan(0);
    expect(speech.requests).toHaveLength(1);
    await tts.close();
  });

  it("streams speech-to-text from the user's Deepgram base URL, in its ws:// form", async () => {
    const deepgramServer = await startSocketRecorder();
    // With a path prefix and a trailing slash, as a proxy in front of a self-hosted Deepgram might have.
    const { stt } = await buildVoiceModels(voiceStart({ deepgramBaseUrl: `${deepgramServer.url}/deepgram/`, ttsProvider: 'deepgram' }).keys);
    const stream = stt.stream();
    await deepgramServer.connected(1);
    expect(deepgramServer.connections).toEqual([{ path: '/deepgram/v1/listen', authorization: 'Token dg-dummy-key' }]);
    stream.close();
    await stt.close();
  });

  it("speaks with Deepgram's voice from the user's Deepgram base URL", async () => {
    const deepgramServer = await startSocketRecorder();
    const { tts } = await buildVoiceModels(voiceStart({ deepgramBaseUrl: deepgramServer.url, ttsProvider: 'deepgram' }).keys);
    expect(tts).toBeInstanceOf(deepgram.TTS);
    const stream = tts.stream();
    stream.pushText('Hello there.');
    stream.flush();
    await deepgramServer.connected(1);
    expect(deepgramServer.connections).toEqual([{ path: '/v1/speak', authorization: 'Token dg-dummy-key' }]);
    stream.close();
    await tts.close();
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
