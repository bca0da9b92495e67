// The OpenAI voice: OpenAI's speech API or any server that speaks it. The plugin's openai.TTS reads
// a sentence's whole answer before any of it plays, so every turn waited for the provider's last
// byte; this one turns the PCM into frames as it arrives, so a turn waits for the first.

import { APIConnectionError, APIStatusError, APITimeoutError, AudioByteStream, DEFAULT_API_CONNECT_OPTIONS, shortuuid, tts, type APIConnectOptions } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import OpenAI from 'openai';
import { UnsafeUrlError } from '../shared/net-guard.ts';

/** What response_format 'pcm' is: 24 kHz, 16-bit little-endian, mono. */
const SAMPLE_RATE = 24_000;
const CHANNELS = 1;
/** AudioByteStream's default frame: 100 ms. */
const FRAME_BYTES = (SAMPLE_RATE / 10) * CHANNELS * 2;

export interface SpeechOptions {
  /** The client the caller built (its fetch is the network guard's). */
  client: OpenAI;
  /** The plugin's defaults when unset: tts-1, alloy, speed 1. */
  model?: string;
  voice?: string;
  speed?: number;
  instructions?: string;
}

type SpeechSettings = Required<Omit<SpeechOptions, 'client' | 'instructions'>> & Pick<SpeechOptions, 'instructions'>;

export class SpeechTTS extends tts.TTS {
  label = 'mockflow.SpeechTTS';
  readonly #client: OpenAI;
  #settings: SpeechSettings;
  readonly #closed = new AbortController();

  constructor(options: SpeechOptions) {
    super(SAMPLE_RATE, CHANNELS, { streaming: false });
    this.#client = options.client;
    this.#settings = { model: 'tts-1', voice: 'alloy', speed: 1 };
    this.updateOptions(options);
  }

  override get model(): string {
    return this.#settings.model;
  }

  override get provider(): string {
    try {
      return new URL(this.#client.baseURL).host;
    } catch {
      return 'api.openai.com';
    }
  }

  updateOptions(options: Partial<Omit<SpeechOptions, 'client'>>): void {
    const defined = Object.fromEntries(Object.entries(options).filter(([name, value]) => name !== 'client' && value !== undefined && value !== ''));
    this.#settings = { ...this.#settings, ...defined };
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): SpeechStream {
    // A signal of its own even without abortSignal: the base class listens on the one it gets and
    // never lets go, so listening on #closed itself would keep every sentence's stream alive.
    const signal = AbortSignal.any(abortSignal ? [abortSignal, this.#closed.signal] : [this.#closed.signal]);
    const { model, voice, speed, instructions } = this.#settings;
    const timeoutMs = (connOptions ?? DEFAULT_API_CONNECT_OPTIONS).timeoutMs;
    // A request per attempt: the base class calls run() again on a retryable failure.
    const request = (attemptSignal: AbortSignal) =>
      this.#client.audio.speech.create(
        { input: text, model, voice, instructions, response_format: 'pcm', speed },
        // Until the answer's headers; the body then streams for as long as the speech takes.
        { signal: attemptSignal, ...(timeoutMs > 0 && { timeout: timeoutMs }) },
      );
    return new SpeechStream(this, text, request, connOptions, signal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error('SpeechTTS synthesizes a sentence at a time; the session wraps it in a StreamAdapter');
  }

  override async close(): Promise<void> {
    this.#closed.abort();
  }
}

export class SpeechStream extends tts.ChunkedStream {
  label = 'mockflow.SpeechStream';
  readonly #request: (signal: AbortSignal) => Promise<Response>;

  constructor(owner: SpeechTTS, text: string, request: (signal: AbortSignal) => Promise<Response>, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, owner, connOptions, abortSignal);
    this.#request = request;
  }

  protected async run(): Promise<void> {
    const requestId = shortuuid();
    const bytes = new AudioByteStream(SAMPLE_RATE, CHANNELS);
    let partial = 0; // bytes in `bytes` not yet a whole frame
    let held: AudioFrame | undefined;
    let sentAny = false;
    const send = (frame: AudioFrame, final: boolean) => {
      if (this.queue.closed) return;
      this.queue.put({ requestId, segmentId: requestId, frame, final });
      sentAny = true;
    };
    // Each frame goes out as soon as it is whole, except one that may be the last: `final` marks
    // the last frame, and only the end of the body says which that is.
    const release = (frames: AudioFrame[], mayBeLast: boolean) => {
      for (const [i, frame] of frames.entries()) {
        if (held) send(held, false);
        held = undefined;
        if (mayBeLast && i === frames.length - 1) held = frame;
        else send(frame, false);
      }
    };

    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let finished = false;
    try {
      const response = await this.#request(this.abortSignal);
      if (!response.body) throw new Error('the speech answer had no body');
      reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        partial = (partial + value.byteLength) % FRAME_BYTES;
        release(bytes.write(value), partial === 0);
      }
      // The plugin never flushes, so it drops the last partial frame (up to 100 ms of speech).
      const [rest] = bytes.flush();
      if (held) send(held, !rest);
      if (rest) send(rest, true);
      finished = true;
    } catch (error) {
      if (this.abortSignal.aborted || (error instanceof Error && error.name === 'AbortError')) return;
      // Once audio has played, another attempt would say the sentence again from its start.
      throw toAgentsError(error, !sentAny);
    } finally {
      if (reader && !finished) void reader.cancel().catch(() => undefined);
      this.queue.close();
    }
  }
}

/**
 * The SDK's own error classes, so the base class retries what is worth retrying (connection
 * failures, 408/429/5xx) per connOptions and reports the rest at once; the OpenAI error stays as
 * the cause, where errors.ts reads the status, the refused address and the socket's code.
 */
function toAgentsError(error: unknown, retryable: boolean): Error {
  const refused = error instanceof Error && error.cause instanceof UnsafeUrlError;
  const options = { retryable: retryable && !refused };
  let wrapped: Error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) wrapped = new APITimeoutError({ options });
  else if (error instanceof OpenAI.APIConnectionError) wrapped = new APIConnectionError({ options });
  else if (error instanceof OpenAI.APIError && error.status !== undefined) {
    // Not the provider's message: OpenAI's 401 text repeats part of the key, and the SDK logs these.
    wrapped = new APIStatusError({ message: `The speech API answered HTTP ${error.status}.`, options: { ...options, statusCode: error.status, requestId: error.requestID ?? null } });
  } else wrapped = new APIConnectionError({ message: 'The speech answer broke off.', options });
  return Object.assign(wrapped, { cause: error });
}
