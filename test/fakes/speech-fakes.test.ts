// The speech fakes, driven through the real LiveKit plugins (no room): Deepgram streaming STT and
// TTS over WebSockets, and OpenAI TTS over HTTP. What the plugins send is what the agent sends.

import { initializeLogger, loggerOptions, stt, tts } from '@livekit/agents';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as openai from '@livekit/agents-plugin-openai';
import { AudioFrame } from '@livekit/rtc-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from '../helpers/wait.ts';
import { rmsLinear16, silencePcm, speechLikePcm, speechMsForText, toLinear16 } from './audio.ts';
import { startFakeDeepgram, type FakeDeepgram } from './deepgram.ts';
import { startFakeOpenAISpeech, type FakeOpenAISpeech } from './openai-speech.ts';

const DG_KEY = 'dg-test-key';
const OPENAI_KEY = 'sk-speech-test';
const TIMEOUT = 30_000;

/** What the STT and TTS 'error' events carry (the SDK does not export the type). */
interface ProviderError {
  error: Error;
  recoverable: boolean;
}

let deepgramFake: FakeDeepgram | undefined;
let speechFake: FakeOpenAISpeech | undefined;

beforeAll(() => {
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'warn' });
});

afterEach(async () => {
  await deepgramFake?.close();
  await speechFake?.close();
  deepgramFake = undefined;
  speechFake = undefined;
});

/** 20 ms mono frames, as WebRTC delivers them. */
function framesOf(sampleRate: number, ...parts: Int16Array[]): AudioFrame[] {
  const all = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  const size = sampleRate / 50;
  const frames: AudioFrame[] = [];
  for (let i = 0; i < all.length; i += size) {
    const data = all.slice(i, i + size);
    frames.push(new AudioFrame(data, sampleRate, 1, data.length));
  }
  return frames;
}

/** Reads a stream's events until `stop` says so (or the stream ends). */
async function readUntil<T>(stream: AsyncIterator<T>, stop: (event: T) => boolean = () => false): Promise<T[]> {
  const events: T[] = [];
  for (;;) {
    const { done, value } = await stream.next();
    if (done) return events;
    events.push(value);
    if (stop(value)) return events;
  }
}

function framesRms(frames: AudioFrame[]): number {
  return rmsLinear16(Int16Array.from(frames.flatMap((frame) => Array.from(frame.data))));
}

function audioMs(frames: AudioFrame[]): number {
  return frames.reduce((sum, frame) => sum + (frame.samplesPerChannel / frame.sampleRate) * 1000, 0);
}

describe('fake Deepgram streaming STT through deepgram.STT', () => {
  it(
    'hears speech followed by silence and answers with the scripted final transcript',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY, transcripts: ['I led the payments migration.'] }));
      const model = new deepgram.STT({ apiKey: DG_KEY, baseUrl: fake.wsUrl, model: 'nova-3', language: 'en-US' });
      const stream = model.stream();
      // 48 kHz as a LiveKit track delivers it; the plugin resamples to 16 kHz before sending.
      for (const frame of framesOf(48_000, silencePcm(48_000, 300), speechLikePcm(48_000, 1000), silencePcm(48_000, 1500))) {
        stream.pushFrame(frame);
      }

      const events = await readUntil(stream, (event) => event.type === stt.SpeechEventType.FINAL_TRANSCRIPT);
      const final = events.at(-1);
      expect(final?.type).toBe(stt.SpeechEventType.FINAL_TRANSCRIPT);
      expect(final?.alternatives?.[0]?.text).toBe('I led the payments migration.');
      expect(final?.alternatives?.[0]?.words?.map((word) => word.text)).toEqual(['I', 'led', 'the', 'payments', 'migration.']);
      expect(events.some((event) => event.type === stt.SpeechEventType.START_OF_SPEECH)).toBe(true);
      const interims = events.filter((event) => event.type === stt.SpeechEventType.INTERIM_TRANSCRIPT);
      expect(interims.length).toBeGreaterThan(0);
      expect(interims[0]?.alternatives?.[0]?.text).toBe('I');

      const [utterance] = await fake.waitForUtterances(1);
      expect(utterance).toMatchObject({ index: 0, text: 'I led the payments migration.', fromFinalize: false });
      // Speech began after ~300 ms of leading silence and lasted ~1 s of audio time.
      expect(utterance?.audioStartMs).toBeGreaterThanOrEqual(250);
      expect(utterance?.audioStartMs).toBeLessThanOrEqual(350);
      expect(utterance?.speechMs).toBeGreaterThanOrEqual(950);
      expect(utterance?.speechMs).toBeLessThanOrEqual(1050);
      // The words are timed in the stream's audio timeline, as Deepgram times them.
      expect(final?.alternatives?.[0]?.startTime).toBeCloseTo((utterance?.audioStartMs ?? 0) / 1000, 1);
      expect(final?.alternatives?.[0]?.endTime).toBeCloseTo((utterance?.audioEndMs ?? 0) / 1000, 1);

      stream.endInput();
      const rest = await readUntil(stream);
      expect(rest.filter((event) => event.type === stt.SpeechEventType.FINAL_TRANSCRIPT)).toEqual([]);

      const [connection] = fake.listens;
      expect(connection?.query).toMatchObject({ encoding: 'linear16', sample_rate: '16000', channels: '1', model: 'nova-3', interim_results: 'true' });
      expect(connection?.sampleRate).toBe(16_000);
      expect(connection?.audioBytes).toBeGreaterThan(16_000 * 2); // more than a second of 16 kHz audio
      expect(connection?.peakRms).toBeGreaterThan(0.05);
      expect(connection?.control.map((message) => message.type)).toContain('CloseStream');
      const types = connection?.sent.map((message) => message.type);
      expect(types).toContain('SpeechStarted');
      expect(types?.slice(types.indexOf('UtteranceEnd') - 1, types.indexOf('UtteranceEnd') + 1)).toEqual(['Results', 'UtteranceEnd']);
      expect(types?.at(-1)).toBe('Metadata');
      expect(fake.requests).toContainEqual({ method: 'GET', path: '/v1/listen', authorized: true });
    },
    TIMEOUT,
  );

  it(
    'sends nothing for silence alone, though it receives the audio',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY }));
      const model = new deepgram.STT({ apiKey: DG_KEY, baseUrl: fake.wsUrl, model: 'nova-3', language: 'en-US' });
      const stream = model.stream();
      const opened = new Promise((resolve) => fake.events.once('listen', resolve));
      for (const frame of framesOf(16_000, silencePcm(16_000, 2000))) stream.pushFrame(frame);
      await opened;
      stream.endInput();
      const events = await readUntil(stream);

      expect(events.filter((event) => event.type !== stt.SpeechEventType.RECOGNITION_USAGE)).toEqual([]);
      const [connection] = fake.listens;
      // The plugin's energy filter passes the first second of silence, then drops the rest.
      expect(connection?.audioBytes).toBeGreaterThan(0);
      expect(connection?.peakRms).toBe(0);
      expect(connection?.utterances).toEqual([]);
      expect(fake.utterances).toEqual([]);
      expect(connection?.sent.map((message) => message.type)).toEqual(['Metadata']);
    },
    TIMEOUT,
  );

  it(
    'refuses a wrong key with 401, and the plugin reports the failure',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY }));
      const model = new deepgram.STT({ apiKey: 'wrong-key', baseUrl: fake.wsUrl, model: 'nova-3', language: 'en-US' });
      const failed = new Promise<ProviderError>((resolve) => model.once('error', resolve));
      const stream = model.stream();
      for (const frame of framesOf(16_000, speechLikePcm(16_000, 500))) stream.pushFrame(frame);

      const failure = await failed;
      expect(failure.recoverable).toBe(false);
      expect(failure.error).toMatchObject({ statusCode: 401 });
      expect(await readUntil(stream)).toEqual([]);
      expect(fake.requests).toEqual([{ method: 'GET', path: '/v1/listen', authorized: false }]);
      expect(fake.listens).toEqual([]);
    },
    TIMEOUT,
  );
});

/** A raw client of the fake's WebSockets, for protocol details the plugins never exercise. */
async function connect(url: string): Promise<{ ws: WebSocket; received: (Record<string, unknown> | Buffer)[]; waitFor: (type: string) => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(url, { headers: { Authorization: `Token ${DG_KEY}` } });
  const received: (Record<string, unknown> | Buffer)[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    received.push(isBinary ? data : (JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const typed = (type: string) => received.find((message): message is Record<string, unknown> => !Buffer.isBuffer(message) && message.type === type);
  const kinds = () => received.map((message) => (Buffer.isBuffer(message) ? 'audio' : message.type)).join(', ');
  return { ws, received, waitFor: (type) => waitFor(() => typed(type), { on: [ws, 'message'], explain: () => `a ${type} message; got ${kinds()}` }) };
}

describe('fake Deepgram protocol details over a raw WebSocket', () => {
  it(
    'finalizes speech in progress on Finalize, and records KeepAlive',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY, transcripts: ['Yes.', 'Second.'] }));
      const client = await connect(`${fake.wsUrl}/v1/listen?encoding=linear16&sample_rate=16000&channels=1`);
      client.ws.send(JSON.stringify({ type: 'KeepAlive' }));
      client.ws.send(toLinear16(speechLikePcm(16_000, 400)));
      client.ws.send(JSON.stringify({ type: 'Finalize' }));

      const results = await client.waitFor('Results');
      expect(results).toMatchObject({ is_final: true, speech_final: false, from_finalize: true, channel_index: [0, 1] });
      // Without punctuate/smart_format Deepgram answers bare lowercase words.
      expect(results).toMatchObject({ channel: { alternatives: [{ transcript: 'yes', words: [{ word: 'yes', start: 0, end: 0.4 }] }] } });
      expect(fake.utterances).toMatchObject([{ index: 0, text: 'yes', fromFinalize: true, audioStartMs: 0, audioEndMs: 400 }]);
      expect(fake.listens[0]?.control.map((message) => message.type)).toEqual(['KeepAlive', 'Finalize']);
      expect(fake.listens[0]?.control[1]?.audioMs).toBe(400);

      client.ws.send(JSON.stringify({ type: 'CloseStream' }));
      const metadata = await client.waitFor('Metadata');
      expect(metadata).toMatchObject({ type: 'Metadata', duration: 0.4, channels: 1, request_id: fake.listens[0]?.requestId });
      expect(client.received.some((message) => !Buffer.isBuffer(message) && message.type === 'UtteranceEnd')).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'refuses audio it cannot read with 400',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY }));
      const ws = new WebSocket(`${fake.wsUrl}/v1/listen?encoding=opus&sample_rate=48000`, { headers: { Authorization: `Token ${DG_KEY}` } });
      const status = await new Promise<number | undefined>((resolve) => {
        ws.once('unexpected-response', (_request, response) => resolve(response.statusCode));
        ws.once('error', () => undefined);
      });
      expect(status).toBe(400);
      expect(fake.listens).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'answers Clear with Cleared and stops the audio, and unknown messages with a Warning',
    async () => {
      // The latency holds the first audio back, so the Clear lands before any of it.
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY, latencyMs: 300 }));
      const client = await connect(`${fake.wsUrl}/v1/speak?encoding=linear16&sample_rate=16000&model=aura-2-thalia-en`);
      expect(await client.waitFor('Metadata')).toMatchObject({ model_name: 'aura-2-thalia-en' });
      client.ws.send(JSON.stringify({ type: 'Speak', text: 'This reply gets interrupted.' }));
      client.ws.send(JSON.stringify({ type: 'Flush' }));
      client.ws.send(JSON.stringify({ type: 'Clear' }));
      expect(await client.waitFor('Cleared')).toEqual({ type: 'Cleared', sequence_id: 0 });
      client.ws.send(JSON.stringify({ type: 'Shout' }));
      expect(await client.waitFor('Warning')).toMatchObject({ code: 'UNKNOWN_MESSAGE_TYPE' });

      client.ws.send(JSON.stringify({ type: 'Speak', text: 'Short one.' }));
      client.ws.send(JSON.stringify({ type: 'Flush' }));
      expect(await client.waitFor('Flushed')).toEqual({ type: 'Flushed', sequence_id: 1 });
      const [interrupted, spoken] = await fake.waitForSpoken(2);
      expect(interrupted).toMatchObject({ text: 'This reply gets interrupted.', sequenceId: 0, cleared: true, audioBytes: 0 });
      expect(spoken).toMatchObject({ text: 'Short one.', sequenceId: 1, cleared: false, audioMs: speechMsForText('Short one.') });
      const audio = Buffer.concat(client.received.filter((message): message is Buffer => Buffer.isBuffer(message)));
      expect(audio.length).toBe(spoken?.audioBytes);
      expect(rmsLinear16(audio)).toBeGreaterThan(0.05);
      expect(fake.speaks[0]?.texts).toEqual(['This reply gets interrupted.', 'Short one.']);

      const closed = new Promise((resolve) => client.ws.once('close', resolve));
      client.ws.send(JSON.stringify({ type: 'Close' }));
      expect(await closed).toBe(1000);
    },
    TIMEOUT,
  );
});

describe('fake Deepgram streaming TTS through deepgram.TTS', () => {
  it(
    'speaks the pushed text as audio with energy and records it',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY }));
      const model = new deepgram.TTS({ apiKey: DG_KEY, baseUrl: fake.url });
      const stream = model.stream();
      const text = 'Thanks for joining. Tell me about a project you led.';
      stream.pushText(text);
      stream.flush();
      stream.endInput();

      const events = await readUntil(stream);
      const frames = events.flatMap((event) => (event === tts.SynthesizeStream.END_OF_STREAM ? [] : [event.frame]));
      expect(events).toContain(tts.SynthesizeStream.END_OF_STREAM);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((frame) => frame.sampleRate === 24_000 && frame.channels === 1)).toBe(true);
      expect(framesRms(frames)).toBeGreaterThan(0.05);
      expect(audioMs(frames)).toBeCloseTo(speechMsForText(text), -1);

      const [connection] = fake.speaks;
      expect(connection?.query).toMatchObject({ encoding: 'linear16', sample_rate: '24000', model: 'aura-2-andromeda-en' });
      expect(connection?.texts.join('').replace(/\s+/g, ' ').trim()).toBe(text);
      expect(fake.spoken).toHaveLength(1);
      expect(fake.spoken[0]).toMatchObject({ sequenceId: 0, cleared: false });
      expect(fake.spoken[0]?.text.trim()).toBe(text);
      expect(connection?.sent.filter((message) => message.type === 'Flushed')[0]).toEqual({ type: 'Flushed', sequence_id: 0 });
    },
    TIMEOUT,
  );

  it(
    'refuses a wrong key with 401, and the plugin reports the failure',
    async () => {
      const fake = (deepgramFake = await startFakeDeepgram({ apiKey: DG_KEY }));
      const model = new deepgram.TTS({ apiKey: 'wrong-key', baseUrl: fake.url });
      const failed = new Promise<ProviderError>((resolve) => model.once('error', resolve));
      const stream = model.stream();
      stream.pushText('Hello there, how are you?');
      stream.endInput();

      const failure = await failed;
      expect(failure.recoverable).toBe(false);
      expect(failure.error.message).toContain('401');
      expect(await readUntil(stream)).toEqual([]);
      expect(fake.requests).toEqual([{ method: 'GET', path: '/v1/speak', authorized: false }]);
      expect(fake.speaks).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('fake OpenAI speech through openai.TTS', () => {
  it(
    'synthesizes 24 kHz PCM with energy and records model, voice and input',
    async () => {
      const fake = (speechFake = await startFakeOpenAISpeech({ apiKey: OPENAI_KEY }));
      const model = new openai.TTS({ baseURL: fake.url, apiKey: OPENAI_KEY, model: 'gpt-4o-mini-tts', voice: 'coral' });
      const text = 'Welcome. Let us begin with your background.';

      const events = await readUntil(model.synthesize(text));
      const frames = events.map((event) => event.frame);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((frame) => frame.sampleRate === 24_000 && frame.channels === 1)).toBe(true);
      expect(framesRms(frames)).toBeGreaterThan(0.05);
      // The plugin cuts the audio into 100 ms frames and drops the last partial one (it never flushes).
      expect(audioMs(frames)).toBeGreaterThan(speechMsForText(text) - 100);
      expect(audioMs(frames)).toBeLessThanOrEqual(speechMsForText(text));
      expect(events.at(-1)?.final).toBe(true);

      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/v1/audio/speech',
        authorized: true,
        model: 'gpt-4o-mini-tts',
        voice: 'coral',
        input: text,
        format: 'pcm',
        speed: 1,
      });
    },
    TIMEOUT,
  );

  it(
    'refuses a wrong key with 401, and the plugin reports the failure',
    async () => {
      const fake = (speechFake = await startFakeOpenAISpeech({ apiKey: OPENAI_KEY }));
      const model = new openai.TTS({ baseURL: fake.url, apiKey: 'sk-wrong', model: 'tts-1', voice: 'alloy' });
      const failed = new Promise<ProviderError>((resolve) => model.once('error', resolve));
      // The SDK's ChunkedStream also leaves its failed task's promise unhandled; catch it here so it
      // is asserted rather than reported by Vitest as a stray error.
      let onRejection: (reason: unknown) => void = () => undefined;
      const rejected = new Promise<unknown>((resolve) => {
        onRejection = resolve;
        process.on('unhandledRejection', onRejection);
      });
      try {
        const events = await readUntil(model.synthesize('Hello.'));
        const failure = await failed;
        expect(events).toEqual([]);
        expect(failure.recoverable).toBe(false);
        expect(failure.error).toMatchObject({ status: 401 });
        expect(await rejected).toBe(failure.error);
      } finally {
        process.off('unhandledRejection', onRejection);
      }
      expect(fake.requests).toMatchObject([{ path: '/v1/audio/speech', authorized: false, audioBytes: 0 }]);
    },
    TIMEOUT,
  );

  it(
    'answers 400 for a format it cannot make, and lists the speech models',
    async () => {
      const fake = (speechFake = await startFakeOpenAISpeech({ apiKey: OPENAI_KEY }));
      const headers = { authorization: `Bearer ${OPENAI_KEY}`, 'content-type': 'application/json' };
      const mp3 = await fetch(`${fake.url}/audio/speech`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'mp3' }),
      });
      expect(mp3.status).toBe(400);
      expect(await mp3.json()).toMatchObject({ error: { param: 'response_format', type: 'invalid_request_error' } });

      const models = await fetch(`${fake.url}/models`, { headers });
      expect(((await models.json()) as { data: { id: string }[] }).data.map((entry) => entry.id)).toContain('gpt-4o-mini-tts');
    },
    TIMEOUT,
  );
});
