// The OpenAI voice's TTS (agent/speech.ts) against the speech fake sending its answer over a second,
// as a real synthesiser does: audio plays as it arrives, nothing is dropped, an abort stops it, and
// failures are reported (and retried) the way the session expects. The plugin's openai.TTS is
// driven the same way once, to document what changed. Orderings come from the fake's own record
// of when bytes went out, never from wall-clock thresholds.

import { initializeLogger, loggerOptions, type APIConnectOptions, type tts } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { measureFirstAudioMs } from '../../bench/tts-first-audio.ts';
import { describeFailure, statusOf } from '../../agent/errors.ts';
import { guardedFetch } from '../../shared/guarded-fetch.ts';
import type { ProviderKeys } from '../../agent/protocol.ts';
import { SpeechTTS } from '../../agent/speech.ts';
import { speechMsForText } from '../fakes/audio.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from '../fakes/openai-speech.ts';

const KEY = 'sk-speech-test';
// 33 characters: 1,980 ms of audio, so the last frame is a partial one (80 ms).
const TEXT = 'Thanks for joining, let us begin.';
const QUICK_RETRIES: APIConnectOptions = { maxRetry: 2, retryIntervalMs: 10, timeoutMs: 5_000 };

/** What the TTS 'error' event carries (the SDK does not export the type). */
interface TtsError {
  error: Error;
  recoverable: boolean;
}

const closing: { close(): Promise<void> | void }[] = [];

beforeAll(() => {
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'warn' });
});

afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

async function startSpeech(streamOverMs = 1000): Promise<FakeOpenAISpeech> {
  const fake = await startFakeOpenAISpeech({ apiKey: KEY, streamOverMs });
  closing.push(fake);
  return fake;
}

/** The client buildVoiceModels makes: no SDK retries, connections through the network guard. */
function speechClient(baseURL: string, apiKey = KEY): OpenAI {
  return new OpenAI({ apiKey, baseURL, maxRetries: 0, fetch: guardedFetch({ production: false, keepAlive: true }) });
}

function track<T extends tts.TTS>(model: T): T {
  closing.push(model);
  return model;
}

interface Received {
  audio: tts.SynthesizedAudio;
  at: number;
}

/** Every event of one synthesis with the time (performance.now()) it was read. */
async function receive(stream: tts.ChunkedStream, onEach: (received: Received[]) => void = () => undefined): Promise<Received[]> {
  const received: Received[] = [];
  for await (const audio of stream) {
    received.push({ audio, at: performance.now() });
    onEach(received);
  }
  return received;
}

const bytesOf = (received: Received[]) => received.reduce((sum, { audio }) => sum + audio.frame.samplesPerChannel * 2, 0);

/**
 * The SDK's ChunkedStream leaves its failed task's promise unhandled after reporting the failure as
 * an 'error' event (agent/main.ts logs those); catch it so it is asserted, not a stray error.
 */
function strayRejection(): { rejected: Promise<unknown>; stop: () => void } {
  let onRejection: (reason: unknown) => void = () => undefined;
  const rejected = new Promise<unknown>((resolve) => {
    onRejection = resolve;
    process.on('unhandledRejection', onRejection);
  });
  return { rejected, stop: () => process.off('unhandledRejection', onRejection) };
}

/** A speech endpoint that misbehaves as `answer` says, counting the requests it got. */
async function startBrokenSpeech(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: number }> {
  const state = { url: '', requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  closing.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return state;
}

describe('SpeechTTS: the OpenAI voice streams each sentence', () => {
  it(
    'hands over its first frame before the provider has sent its last byte, and every byte of the audio',
    async () => {
      const fake = await startSpeech();
      const model = track(new SpeechTTS({ client: speechClient(fake.url), model: 'gpt-4o-mini-tts', voice: 'coral' }));

      const received = await receive(model.synthesize(TEXT));
      const [record] = fake.requests;
      expect(record?.lastByteAt).toBeDefined();
      expect(record?.cutOff).toBeUndefined();
      expect(received[0]!.at).toBeLessThan(record!.lastByteAt!);

      // Nothing dropped: the last partial frame is flushed, not lost as the plugin loses it.
      expect(bytesOf(received)).toBe(record?.audioBytes);
      const frames = received.map(({ audio }) => audio.frame);
      expect(frames.reduce((ms, frame) => ms + (frame.samplesPerChannel / frame.sampleRate) * 1000, 0)).toBeCloseTo(speechMsForText(TEXT), 6);
      expect(frames.every((frame) => frame.sampleRate === 24_000 && frame.channels === 1)).toBe(true);
      expect(frames.slice(0, -1).every((frame) => frame.samplesPerChannel === 2400)).toBe(true);
      expect(frames.at(-1)?.samplesPerChannel).toBe(80 * 24);

      // The plugin's semantics: one request id for the sentence, its segment id the same, final on the last frame only.
      const [first] = received;
      expect(received.every(({ audio }) => audio.requestId === first!.audio.requestId && audio.segmentId === first!.audio.requestId)).toBe(true);
      expect(received.map(({ audio }) => audio.final)).toEqual([...Array<boolean>(received.length - 1).fill(false), true]);

      expect(fake.requests).toMatchObject([
        { method: 'POST', path: '/v1/audio/speech', authorized: true, model: 'gpt-4o-mini-tts', voice: 'coral', input: TEXT, format: 'pcm', speed: 1 },
      ]);
      expect([model.model, model.provider, model.label]).toEqual(['gpt-4o-mini-tts', new URL(fake.url).host, 'mockflow.SpeechTTS']);
    },
    30_000,
  );

  it(
    'marks the last frame final when the audio ends on a frame boundary too',
    async () => {
      const fake = await startSpeech(200);
      const model = track(new SpeechTTS({ client: speechClient(fake.url) }));
      const whole = 'Twenty characters!!!'; // 1,200 ms: twelve whole frames, in six 200 ms chunks
      expect(speechMsForText(whole)).toBe(1200);

      const received = await receive(model.synthesize(whole));
      expect(received).toHaveLength(12);
      expect(received.map(({ audio }) => audio.final)).toEqual([...Array<boolean>(11).fill(false), true]);
      expect(bytesOf(received)).toBe(fake.requests[0]?.audioBytes);
      expect(fake.requests[0]).toMatchObject({ model: 'tts-1', voice: 'alloy' });
    },
    30_000,
  );

  it(
    'stops reading and leaves the provider when the sentence is aborted, without reporting an error',
    async () => {
      const fake = await startSpeech();
      const model = track(new SpeechTTS({ client: speechClient(fake.url) }));
      const errors: TtsError[] = [];
      model.on('error', (error: TtsError) => errors.push(error));
      const abort = new AbortController();

      const received = await receive(model.synthesize(TEXT, QUICK_RETRIES, abort.signal), () => abort.abort());
      const record = await fake.answered(0);
      expect(received.length).toBeGreaterThan(0);
      expect(bytesOf(received)).toBeLessThan(record.audioBytes);
      expect(record.cutOff).toBe(true);
      expect(record.lastByteAt).toBeUndefined();
      expect(fake.requests).toHaveLength(1);
      expect(errors).toEqual([]);
    },
    30_000,
  );

  it(
    'ends what it is saying when the TTS closes',
    async () => {
      const fake = await startSpeech();
      const model = new SpeechTTS({ client: speechClient(fake.url) });
      const received = await receive(model.synthesize(TEXT), () => void model.close());
      const record = await fake.answered(0);
      expect(bytesOf(received)).toBeLessThan(record.audioBytes);
      expect(record.cutOff).toBe(true);
    },
    30_000,
  );

  it(
    'reports a refused key as an error with status 401, once, as the session expects',
    async () => {
      const fake = await startSpeech();
      const model = track(new SpeechTTS({ client: speechClient(fake.url, 'sk-wrong') }));
      const failed = new Promise<TtsError>((resolve) => model.once('error', resolve));
      const stray = strayRejection();
      try {
        const received = await receive(model.synthesize('Hello.', QUICK_RETRIES));
        const failure = await failed;
        expect(received).toEqual([]);
        expect(failure.recoverable).toBe(false);
        expect(failure.error).toMatchObject({ statusCode: 401, retryable: false, cause: { status: 401 } });
        expect(statusOf(failure.error)).toBe(401);
        const keys: ProviderKeys = { llmApiKey: 'sk-llm', llmModel: 'gpt-4o-mini', ttsProvider: 'openai', openaiTtsKey: 'sk-wrong' };
        expect(describeFailure('tts', failure.error, keys).message).toBe('OpenAI text-to-speech rejected the key — check Settings → Keys.');
        expect(await stray.rejected).toBe(failure.error);
      } finally {
        stray.stop();
      }
      // Not retried: another attempt with the same key would be refused the same way.
      expect(fake.requests).toMatchObject([{ path: '/v1/audio/speech', authorized: false, audioBytes: 0 }]);
    },
    30_000,
  );

  it(
    'retries a dropped connection per connOptions before any audio, then says the provider could not be reached',
    async () => {
      const broken = await startBrokenSpeech((req) => req.socket.destroy());
      const model = track(new SpeechTTS({ client: speechClient(broken.url) }));
      const failed = new Promise<TtsError>((resolve) => model.once('error', resolve));
      const stray = strayRejection();
      try {
        expect(await receive(model.synthesize('Hello.', QUICK_RETRIES))).toEqual([]);
        const failure = await failed;
        await stray.rejected;
        expect(failure.recoverable).toBe(false);
        const keys: ProviderKeys = { llmApiKey: 'sk-llm', llmModel: 'gpt-4o-mini', ttsProvider: 'openai', openaiTtsKey: KEY, ttsBaseUrl: broken.url };
        expect(describeFailure('tts', failure.error, keys).message).toBe(
          `Text-to-speech could not be reached at ${new URL(broken.url).host} (the connection was dropped) — check the speech base URL in Settings → Keys.`,
        );
      } finally {
        stray.stop();
      }
      expect(broken.requests).toBe(QUICK_RETRIES.maxRetry + 1);
    },
    30_000,
  );

  it(
    'does not retry once audio has been handed over (the sentence would be said twice)',
    async () => {
      let answering: ServerResponse | undefined;
      const broken = await startBrokenSpeech((_req, res) => {
        res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
        res.write(Buffer.alloc(24_000 * 2 * 0.3)); // 300 ms; the connection drops once the first frame is out
        answering = res;
      });
      const model = track(new SpeechTTS({ client: speechClient(broken.url) }));
      const failed = new Promise<TtsError>((resolve) => model.once('error', resolve));
      const stray = strayRejection();
      try {
        const received = await receive(model.synthesize('Hello.', QUICK_RETRIES), () => answering?.socket?.destroy());
        const failure = await failed;
        await stray.rejected;
        expect(received.length).toBeGreaterThan(0);
        expect(failure).toMatchObject({ recoverable: false, error: { retryable: false } });
      } finally {
        stray.stop();
      }
      expect(broken.requests).toBe(1);
    },
    30_000,
  );

  it('gives the benchmark its first-audio time', async () => {
    const fake = await startSpeech(200);
    const ms = await measureFirstAudioMs(track(new SpeechTTS({ client: speechClient(fake.url) })), TEXT);
    expect(Number.isFinite(ms) && ms > 0).toBe(true);
    expect(fake.requests[0]?.lastByteAt).toBeDefined();
  });
});

describe('openai.TTS, the plugin it replaces, for comparison', () => {
  it(
    'hands over nothing until the provider has sent its last byte, and drops the last partial frame',
    async () => {
      const fake = await startSpeech();
      const model = track(new openai.TTS({ client: speechClient(fake.url) }));
      const received = await receive(model.synthesize(TEXT));
      const [record] = fake.requests;
      expect(received[0]!.at).toBeGreaterThan(record!.lastByteAt!);
      expect(bytesOf(received)).toBe(record!.audioBytes - 80 * 24 * 2);
    },
    30_000,
  );
});
