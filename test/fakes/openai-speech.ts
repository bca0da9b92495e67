// A local stand-in for OpenAI's text-to-speech API, for tests and benchmarks.
//
//   const fake = await startFakeOpenAISpeech({ apiKey: 'sk-test' });
//   new openai.TTS({ baseURL: fake.url, apiKey: 'sk-test', model: 'tts-1', voice: 'alloy' });
//   fake.requests;   // every request, in order: { method, path, authorized, body, model, voice, input, format, … }
//   await fake.close();
//
// Options (all optional):
//   apiKey      the bearer key to accept; any other key gets 401 with OpenAI's error JSON.
//               Without it every key is accepted.
//   latencyMs   waits this long before answering each request (time to first byte, for benchmarks).
//   hang        accept requests and never answer (to test timeouts and shutdown).
//   models      the model ids GET /v1/models lists (default: tts-1, tts-1-hd, gpt-4o-mini-tts).
//   streamOverMs  sends each PCM answer over this many ms, as a real synthesiser makes audio while it
//               answers: its 200 ms chunks spread evenly, the first at once, the last at streamOverMs
//               (default: all at once).
//
// Served: POST /v1/audio/speech with JSON { model, input, voice, response_format, speed?,
// instructions? }. With response_format 'pcm' it answers 200, content-type audio/pcm, raw 24 kHz
// 16-bit little-endian mono PCM of a speech-like signal as long as the input takes to say
// (audio.ts: ~60 ms a character, at most 4 s, divided by speed), streamed in 200 ms chunks as the
// real service streams; each request's record says when its first and last bytes went out
// (firstByteAt, lastByteAt) and whether the client left first (cutOff), and `answered(i)` waits for
// the i-th answer to be over. Any other format (mp3, the API's default, included) gets 400: the fake
// makes no compressed audio. A missing model, voice or input, or a speed outside 0.25..4, gets 400.
// GET /v1/models lists the speech models. Anything else answers 404. Errors are OpenAI's JSON
// ({ error: { message, type, param, code } }).

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { speechLikePcm, speechMsForText, toLinear16 } from './audio.ts';

export const OPENAI_SPEECH_SAMPLE_RATE = 24_000;

export interface SpeechRequestBody {
  model?: unknown;
  input?: unknown;
  voice?: unknown;
  response_format?: unknown;
  speed?: unknown;
  instructions?: unknown;
  [key: string]: unknown;
}

export interface RecordedSpeechRequest {
  method: string;
  path: string;
  /** Whether the bearer key matched (always true when no apiKey was configured). */
  authorized: boolean;
  body: SpeechRequestBody | null;
  /** For POST /v1/audio/speech, the body's fields (undefined when absent or not strings/numbers). */
  model?: string;
  voice?: string;
  input?: string;
  /** response_format as sent (OpenAI's default, mp3, when absent). */
  format?: string;
  speed?: number;
  instructions?: string;
  /** Bytes of PCM answered (0 for an error). */
  audioBytes: number;
  /** performance.now() when the first / last byte of PCM was written (undefined until then). */
  firstByteAt?: number;
  lastByteAt?: number;
  /** The client went away before the last byte of PCM was written. */
  cutOff?: boolean;
}

export interface FakeOpenAISpeechOptions {
  apiKey?: string;
  latencyMs?: number;
  hang?: boolean;
  models?: string[];
  streamOverMs?: number;
}

export interface FakeOpenAISpeech {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:43121/v1 */
  url: string;
  requests: RecordedSpeechRequest[];
  /** Resolves with the `index`th request (0-based) once its answer is over: sent in full, refused, or cut off. */
  answered(index: number): Promise<RecordedSpeechRequest>;
  close(): Promise<void>;
}

const MODEL_IDS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'];
const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

export async function startFakeOpenAISpeech(options: FakeOpenAISpeechOptions = {}): Promise<FakeOpenAISpeech> {
  const requests: RecordedSpeechRequest[] = [];
  const events = new EventEmitter();
  const recordOf = new WeakMap<IncomingMessage, RecordedSpeechRequest>();
  const over = new WeakSet<RecordedSpeechRequest>();

  const server = createServer((req, res) => {
    void handle(req, res)
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, errorBody('fake server failure', 'server_error', null, null));
        else res.end();
      })
      .finally(() => {
        const done = () => {
          const record = recordOf.get(req);
          if (record) over.add(record);
          events.emit('answered');
        };
        // A hanging answer is over when the client (or close()) drops the connection.
        if (res.writableEnded || res.destroyed) done();
        else res.once('close', done);
      });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.latencyMs) await delay(options.latencyMs);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: SpeechRequestBody | null = null;
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as SpeechRequestBody) : null;
    } catch {
      body = null;
    }
    const authorized = options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`;
    const record: RecordedSpeechRequest = { method: req.method ?? 'GET', path, authorized, body, audioBytes: 0 };
    if (req.method === 'POST' && path === '/v1/audio/speech' && body) {
      Object.assign(record, {
        model: stringOrUndefined(body.model),
        voice: stringOrUndefined(body.voice),
        input: stringOrUndefined(body.input),
        format: stringOrUndefined(body.response_format) ?? 'mp3',
        speed: typeof body.speed === 'number' ? body.speed : undefined,
        instructions: stringOrUndefined(body.instructions),
      });
    }
    requests.push(record);
    recordOf.set(req, record);

    if (options.hang) return; // never answer; close() destroys the socket

    if (!authorized) {
      sendJson(
        res,
        401,
        errorBody(
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
      );
      return;
    }

    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: (options.models ?? MODEL_IDS).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
      });
      return;
    }

    if (req.method === 'POST' && path === '/v1/audio/speech') {
      if (body === null) {
        sendJson(res, 400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null, null));
        return;
      }
      const problem = speechProblem(record);
      if (problem) {
        sendJson(res, 400, errorBody(problem.message, 'invalid_request_error', problem.param, problem.code));
        return;
      }
      const durationMs = speechMsForText(record.input ?? '') / (record.speed ?? 1);
      const audio = toLinear16(speechLikePcm(OPENAI_SPEECH_SAMPLE_RATE, durationMs));
      record.audioBytes = audio.length;
      res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
      await sendPcm(res, audio, record, options.streamOverMs ?? 0);
      return;
    }

    sendJson(res, 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null, null));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    answered: (index) =>
      new Promise((resolve) => {
        const check = () => {
          const record = requests[index];
          if (record && over.has(record)) {
            events.off('answered', check);
            resolve(record);
          }
        };
        events.on('answered', check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes the PCM in 200 ms chunks, spread evenly over `overMs` (all at once for 0); stops when the client leaves. */
async function sendPcm(res: ServerResponse, audio: Buffer, record: RecordedSpeechRequest, overMs: number): Promise<void> {
  const chunkBytes = OPENAI_SPEECH_SAMPLE_RATE * 0.2 * 2;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += chunkBytes) chunks.push(audio.subarray(offset, offset + chunkBytes));
  let left = false;
  const gone = new Promise<void>((resolve) =>
    res.once('close', () => {
      left = !res.writableEnded;
      resolve();
    }),
  );
  const start = performance.now();
  for (const [i, chunk] of chunks.entries()) {
    const due = chunks.length > 1 ? start + (overMs * i) / (chunks.length - 1) : start;
    const wait = due - performance.now();
    if (wait > 0) await delayUnless(wait, gone);
    if (left || res.destroyed) {
      record.cutOff = true;
      return;
    }
    res.write(chunk);
    record.firstByteAt ??= performance.now();
    if (i === chunks.length - 1) record.lastByteAt = performance.now();
  }
  await Promise.race([new Promise<void>((resolve) => res.end(resolve)), gone]);
}

/** A delay that lets go of its timer when `cancel` settles first. */
function delayUnless(ms: number, cancel: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void cancel.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function speechProblem(record: RecordedSpeechRequest): { message: string; param: string; code: string | null } | null {
  if (!record.model) return { message: "Missing required parameter: 'model'.", param: 'model', code: 'missing_required_parameter' };
  if (record.input === undefined) return { message: "Missing required parameter: 'input'.", param: 'input', code: 'missing_required_parameter' };
  if (!record.voice) return { message: "Missing required parameter: 'voice'.", param: 'voice', code: 'missing_required_parameter' };
  const format = record.format ?? 'mp3';
  if (!FORMATS.includes(format)) {
    return {
      message: `Invalid value: '${format}'. Supported values are: ${FORMATS.map((f) => `'${f}'`).join(', ')}.`,
      param: 'response_format',
      code: 'invalid_value',
    };
  }
  if (format !== 'pcm') {
    return { message: `The fake OpenAI speech server makes only 'pcm' audio, not '${format}'.`, param: 'response_format', code: 'invalid_value' };
  }
  if (record.speed !== undefined && (record.speed < 0.25 || record.speed > 4)) {
    return { message: `Invalid 'speed': ${record.speed}. Expected a value between 0.25 and 4.`, param: 'speed', code: 'invalid_value' };
  }
  return null;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}
