// A local stand-in for Deepgram: the management API (GET /v1/projects, enough to check a key) and
// the two streaming WebSockets a voice agent uses, streaming speech-to-text (/v1/listen) and
// streaming text-to-speech (/v1/speak), speaking Deepgram's real wire protocol.
//
//   const fake = await startFakeDeepgram({ apiKey: 'dg-key', transcripts: ['I led the migration.'] });
//   new DeepgramClient({ apiKey: 'dg-key', baseUrl: fake.url }).manage.v1.projects.list();
//   new deepgram.STT({ apiKey: 'dg-key', baseUrl: fake.wsUrl });    // listens on ws://…/v1/listen
//   new deepgram.TTS({ apiKey: 'dg-key', baseUrl: fake.url });      // speaks on ws://…/v1/speak
//   await fake.waitForUtterances(1);   // resolves once the first transcript has been sent
//   fake.requests;    // { method, path, authorized } for every request and WebSocket upgrade
//   fake.listens;     // one record per /v1/listen connection (below)
//   fake.speaks;      // one record per /v1/speak connection (below)
//   await fake.close();
//
// Deepgram authenticates API keys with `Authorization: Token <key>`; anything else gets 401 with
// Deepgram's error JSON ({ err_code, err_msg, request_id }), for REST and for WebSocket upgrades
// alike (the upgrade is refused before any WebSocket exists). Unknown paths get 404.
//
// Options (apiKey required, the rest optional):
//   apiKey        the key to accept.
//   hang          accept requests and upgrades and never answer (to test timeouts and shutdown).
//   garbage       answer every request and upgrade with 'html' (200), 'bad-json' or 'server-error' (500).
//   transcripts   what the listener "hears": a list used in order, one per utterance, across all
//                 connections (after the list runs out, DEFAULT_TRANSCRIPT), or a function of the
//                 utterance's index (0, 1, …) returning its text. Default: DEFAULT_TRANSCRIPT always.
//   silenceMs     audio milliseconds of silence that end an utterance (default 100).
//   speechRms     RMS, as a fraction of full scale, above which a 10 ms block counts as speech
//                 (default 0.01; the plugin itself drops audio below 0.004 after 1 s of it).
//   interimMs     speech audio between two interim results (default 300).
//   latencyMs     /v1/speak waits this long before the first audio of each Flush (default 0: instant).
//   onUtterance   called with (utterance, connection) as each final transcript is sent.
//
// /v1/listen (streaming STT). Query: encoding must be linear16 and sample_rate is required (as
// Deepgram requires with raw audio; otherwise 400); channels (default 1), model, interim_results,
// punctuate/smart_format (punctuated transcript or bare lowercase words), vad_events (sends
// SpeechStarted), … are recorded. Binary messages are audio; text messages are control messages:
// KeepAlive (recorded, no answer), Finalize (finalizes the utterance in progress: a final Results
// with from_finalize true), CloseStream (finalizes, sends the closing Metadata, closes with 1000).
// Speech is detected from the audio itself, in audio time (samples counted, never wall-clock
// timers): a 10 ms block whose RMS is above speechRms starts an utterance; while it lasts an
// interim Results (is_final false) carrying a growing prefix of the scripted words goes out every
// interimMs of audio (only with interim_results=true); silenceMs of audio below the threshold ends
// it with a final Results (is_final and speech_final true; words timed in the stream's audio
// timeline) followed by UtteranceEnd. Nothing is sent for silence alone.
//
// /v1/speak (streaming TTS). Query: encoding (linear16 only, else 400), sample_rate (default
// 24000), model. Sends Metadata on open. {"type":"Speak","text"} adds to the text buffer;
// {"type":"Flush"} sends the buffer's speech as linear16 mono at sample_rate (audio.ts: ~60 ms a
// character, at most 4 s, in 200 ms binary messages) then {"type":"Flushed","sequence_id":n}
// (n = 0, 1, … per Flush; a Flush with nothing buffered gets Flushed and no audio, and the plugin
// sends one such Flush before its Close); {"type":"Clear"} drops the buffer and stops audio in
// progress or not yet started (that Flush gets no Flushed), answering {"type":"Cleared",
// "sequence_id":n} (n = 0, 1, … per Clear); {"type":"Close"} closes (1000) once pending audio is sent.
// Anything else gets {"type":"Warning","description","code"} (the shape of Deepgram's schema).
//
// Recorded per listen connection (ListenConnection): query, requestId, sampleRate, channels,
// audioBytes, audioFrames (binary messages), audioMs (audio time so far), peakRms, control
// messages received, every JSON message sent, utterances, closed. Per utterance (FakeUtterance):
// index, text (the transcript as sent: punctuated, or bare lowercase words), audioStartMs,
// audioEndMs (stream time of the end of speech), speechMs, sentAt (Date.now() when the final
// Results went out), fromFinalize. Per speak connection (SpeakConnection): query, requestId,
// sampleRate, model, texts (each Speak's text), control messages, sent, spoken (per non-empty
// Flush: text, sequenceId, audioBytes, audioMs, sentAt, cleared), closed. fake.utterances and
// fake.spoken gather them from all connections.
// fake.events emits 'listen' and 'speak' (a connection opened), 'interim', 'utterance', 'spoken'
// and 'closed'; waitForUtterances(n) and waitForSpoken(n) resolve once there are at least n.

import { createHash, randomUUID, type Hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { waitFor } from '../helpers/wait.ts';
import { rmsLinear16, textPcm, toLinear16 } from './audio.ts';
import { sendGarbage, type Garbage } from './livekit.ts';

export const DEFAULT_TRANSCRIPT = 'I have five years of experience building web services.';

export interface FakeDeepgramOptions {
  apiKey: string;
  hang?: boolean;
  garbage?: Garbage;
  transcripts?: string[] | ((utteranceIndex: number) => string);
  silenceMs?: number;
  speechRms?: number;
  interimMs?: number;
  latencyMs?: number;
  onUtterance?: (utterance: FakeUtterance, connection: ListenConnection) => void;
}

export type Query = Record<string, string | string[]>;

export interface FakeUtterance {
  /** Position in the script (0 for the first utterance heard on any connection). */
  index: number;
  text: string;
  /** Stream audio time at which speech started, and the end of its last loud block. */
  audioStartMs: number;
  audioEndMs: number;
  /** audioEndMs - audioStartMs */
  speechMs: number;
  /** Date.now() when the final Results was sent. */
  sentAt: number;
  /** True when a Finalize or CloseStream ended it rather than silence. */
  fromFinalize: boolean;
}

export interface ListenConnection {
  requestId: string;
  query: Query;
  sampleRate: number;
  channels: number;
  audioBytes: number;
  /** Binary (audio) messages received. */
  audioFrames: number;
  /** Audio time received so far, in milliseconds. */
  audioMs: number;
  /** Highest RMS of any 10 ms block, 0..1 of full scale. */
  peakRms: number;
  control: { type: string; audioMs: number; message: Record<string, unknown> }[];
  sent: Record<string, unknown>[];
  utterances: FakeUtterance[];
  closed: boolean;
}

export interface FakeSpoken {
  text: string;
  sequenceId: number;
  audioBytes: number;
  audioMs: number;
  /** Date.now() when Flushed (or, if cleared, Cleared) was sent. */
  sentAt: number;
  /** A Clear stopped it part way. */
  cleared: boolean;
}

export interface SpeakConnection {
  requestId: string;
  query: Query;
  sampleRate: number;
  model: string;
  /** The text of every Speak message, in order. */
  texts: string[];
  control: { type: string; message: Record<string, unknown> }[];
  sent: Record<string, unknown>[];
  spoken: FakeSpoken[];
  closed: boolean;
}

export interface FakeDeepgramEvents {
  listen: [connection: ListenConnection];
  speak: [connection: SpeakConnection];
  interim: [transcript: string, connection: ListenConnection];
  utterance: [utterance: FakeUtterance, connection: ListenConnection];
  spoken: [spoken: FakeSpoken, connection: SpeakConnection];
  closed: [connection: ListenConnection | SpeakConnection];
}

export interface FakeDeepgram {
  /** http://127.0.0.1:port, the base URL (no /v1): REST, and what deepgram.TTS takes as baseUrl. */
  url: string;
  /** ws://127.0.0.1:port, what deepgram.STT takes as baseUrl. */
  wsUrl: string;
  requests: { method: string; path: string; authorized: boolean }[];
  listens: ListenConnection[];
  speaks: SpeakConnection[];
  utterances: FakeUtterance[];
  spoken: FakeSpoken[];
  events: EventEmitter<FakeDeepgramEvents>;
  waitForUtterances(count: number): Promise<FakeUtterance[]>;
  waitForSpoken(count: number): Promise<FakeSpoken[]>;
  close(): Promise<void>;
}

const MODEL_UUID = '1abfe86b-e047-4eed-858a-35e5625b41ee';

export async function startFakeDeepgram(options: FakeDeepgramOptions): Promise<FakeDeepgram> {
  const requests: FakeDeepgram['requests'] = [];
  const listens: ListenConnection[] = [];
  const speaks: SpeakConnection[] = [];
  const utterances: FakeUtterance[] = [];
  const spoken: FakeSpoken[] = [];
  const events = new EventEmitter<FakeDeepgramEvents>();
  const upgrades = new Set<Duplex>();
  const wss = new WebSocketServer({ noServer: true });
  let scriptPosition = 0;

  const nextTranscript = (): [number, string] => {
    const index = scriptPosition++;
    const script = options.transcripts;
    return [index, typeof script === 'function' ? script(index) : (script?.[index] ?? DEFAULT_TRANSCRIPT)];
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const authorized = req.headers.authorization === `Token ${options.apiKey}`;
      requests.push({ method: req.method ?? 'GET', path, authorized });
      if (options.hang) return;
      if (options.garbage) return sendGarbage(res, options.garbage);
      if (!authorized) return sendError(res, 401, 'INVALID_AUTH', 'Invalid credentials.');
      if (req.method === 'GET' && path === '/v1/projects') {
        return sendJson(res, 200, { projects: [{ project_id: '3f1b6a52-0000-4000-8000-000000000001', name: 'Fake project' }] });
      }
      sendError(res, 404, 'NOT_FOUND', 'Not found.');
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.add(socket);
    socket.on('close', () => upgrades.delete(socket));
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake');
    const authorized = req.headers.authorization === `Token ${options.apiKey}`;
    requests.push({ method: req.method ?? 'GET', path: url.pathname, authorized });
    if (options.hang) return;
    if (options.garbage) return sendGarbage(upgradeResponse(req, socket), options.garbage);
    if (url.pathname !== '/v1/listen' && url.pathname !== '/v1/speak') {
      return sendError(upgradeResponse(req, socket), 404, 'NOT_FOUND', 'Not found.');
    }
    if (!authorized) return sendError(upgradeResponse(req, socket), 401, 'INVALID_AUTH', 'Invalid credentials.');
    const query = readQuery(url.searchParams);
    const problem = url.pathname === '/v1/listen' ? listenQueryProblem(query) : speakQueryProblem(query);
    if (problem) return sendError(upgradeResponse(req, socket), 400, 'Bad Request', problem);

    wss.handleUpgrade(req, socket, head, (ws) => {
      upgrades.delete(socket);
      if (url.pathname === '/v1/listen') {
        const listener = new Listener(ws, query, {
          silenceMs: options.silenceMs ?? 100,
          speechRms: options.speechRms ?? 0.01,
          interimMs: options.interimMs ?? 300,
          nextTranscript,
          onInterim: (text, connection) => events.emit('interim', text, connection),
          onUtterance: (utterance, connection) => {
            utterances.push(utterance);
            options.onUtterance?.(utterance, connection);
            events.emit('utterance', utterance, connection);
          },
          onClosed: (connection) => events.emit('closed', connection),
        });
        listens.push(listener.record);
        events.emit('listen', listener.record);
      } else {
        const speaker = new Speaker(ws, query, {
          latencyMs: options.latencyMs ?? 0,
          onSpoken: (item, connection) => {
            spoken.push(item);
            events.emit('spoken', item, connection);
          },
          onClosed: (connection) => events.emit('closed', connection),
        });
        speaks.push(speaker.record);
        events.emit('speak', speaker.record);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    requests,
    listens,
    speaks,
    utterances,
    spoken,
    events,
    waitForUtterances: (count) => waitForCount(events, 'utterance', utterances, count),
    waitForSpoken: (count) => waitForCount(events, 'spoken', spoken, count),
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        for (const socket of upgrades) socket.destroy();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ListenerSettings {
  silenceMs: number;
  speechRms: number;
  interimMs: number;
  nextTranscript: () => [number, string];
  onInterim: (text: string, connection: ListenConnection) => void;
  onUtterance: (utterance: FakeUtterance, connection: ListenConnection) => void;
  onClosed: (connection: ListenConnection) => void;
}

interface Speech {
  index: number;
  text: string;
  startMs: number;
  /** End of the last block above the threshold. */
  loudEndMs: number;
  silenceMs: number;
  nextInterimMs: number;
  interimWords: number;
}

/** One /v1/listen connection: counts audio, detects speech in audio time, answers as Deepgram does. */
class Listener {
  readonly record: ListenConnection;
  readonly #ws: WebSocket;
  readonly #settings: ListenerSettings;
  readonly #blockBytes: number;
  readonly #hash: Hash = createHash('sha256');
  readonly #created = new Date().toISOString();
  #pending: Buffer = Buffer.alloc(0);
  #speech: Speech | null = null;
  /** Start of the audio not yet covered by a final result (Results.start). */
  #cursorMs = 0;

  constructor(ws: WebSocket, query: Query, settings: ListenerSettings) {
    this.#ws = ws;
    this.#settings = settings;
    const sampleRate = Number(first(query.sample_rate));
    const channels = Number(first(query.channels) ?? 1) || 1;
    this.#blockBytes = Math.max(1, Math.round(sampleRate / 100)) * channels * 2;
    this.record = {
      requestId: randomUUID(),
      query,
      sampleRate,
      channels,
      audioBytes: 0,
      audioFrames: 0,
      audioMs: 0,
      peakRms: 0,
      control: [],
      sent: [],
      utterances: [],
      closed: false,
    };
    ws.on('message', (data, isBinary) => (isBinary ? this.#audio(toBuffer(data)) : this.#control(toBuffer(data).toString('utf8'))));
    ws.on('close', () => {
      this.record.closed = true;
      settings.onClosed(this.record);
    });
    ws.on('error', () => undefined);
  }

  #audio(data: Buffer): void {
    this.record.audioBytes += data.length;
    this.record.audioFrames += 1;
    this.#hash.update(data);
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, data]) : data;
    let offset = 0;
    while (this.#pending.length - offset >= this.#blockBytes) {
      this.#block(this.#pending.subarray(offset, offset + this.#blockBytes));
      offset += this.#blockBytes;
    }
    this.#pending = this.#pending.subarray(offset);
  }

  /** Feeds whatever partial block is left (on Finalize and CloseStream). */
  #drain(): void {
    const whole = this.#pending.length - (this.#pending.length % (2 * this.record.channels));
    if (whole > 0) this.#block(this.#pending.subarray(0, whole));
    this.#pending = Buffer.alloc(0);
  }

  #block(block: Buffer): void {
    const rms = rmsLinear16(block);
    const startMs = this.record.audioMs;
    const blockMs = (block.length / 2 / this.record.channels / this.record.sampleRate) * 1000;
    this.record.audioMs += blockMs;
    this.record.peakRms = Math.max(this.record.peakRms, rms);
    const loud = rms > this.#settings.speechRms;

    if (!this.#speech) {
      if (!loud) return;
      const [index, text] = this.#settings.nextTranscript();
      this.#speech = { index, text, startMs, loudEndMs: startMs, silenceMs: 0, nextInterimMs: this.#settings.interimMs, interimWords: 0 };
      if (first(this.record.query.vad_events) === 'true') {
        this.#send({ type: 'SpeechStarted', channel: [0, 1], timestamp: seconds(startMs) });
      }
    }
    const speech = this.#speech;
    if (loud) {
      speech.loudEndMs = this.record.audioMs;
      speech.silenceMs = 0;
    } else {
      speech.silenceMs += blockMs;
      if (speech.silenceMs >= this.#settings.silenceMs) return this.#finish(false);
    }
    if (this.record.audioMs - speech.startMs >= speech.nextInterimMs) {
      speech.nextInterimMs += this.#settings.interimMs;
      if (first(this.record.query.interim_results) === 'true') this.#interim(speech);
    }
  }

  #interim(speech: Speech): void {
    const tokens = speech.text.split(/\s+/).filter(Boolean);
    speech.interimWords = Math.min(tokens.length, speech.interimWords + 1);
    const prefix = tokens.slice(0, speech.interimWords);
    const words = timedWords(prefix, speech.startMs, this.record.audioMs);
    this.#send(this.#results(words, prefix.join(' '), { isFinal: false, speechFinal: false, fromFinalize: false }));
    this.#settings.onInterim(transcriptOf(words, prefix.join(' '), this.#punctuated), this.record);
  }

  /** Sends the utterance in progress as a final result: at the endpoint (silence) or on Finalize/CloseStream. */
  #finish(fromFinalize: boolean): void {
    const speech = this.#speech;
    if (!speech) return;
    this.#speech = null;
    const tokens = speech.text.split(/\s+/).filter(Boolean);
    const words = timedWords(tokens, speech.startMs, speech.loudEndMs);
    this.#send(this.#results(words, speech.text, { isFinal: true, speechFinal: !fromFinalize, fromFinalize }));
    const utterance: FakeUtterance = {
      index: speech.index,
      text: transcriptOf(words, speech.text, this.#punctuated),
      audioStartMs: speech.startMs,
      audioEndMs: speech.loudEndMs,
      speechMs: speech.loudEndMs - speech.startMs,
      sentAt: Date.now(),
      fromFinalize,
    };
    if (!fromFinalize) this.#send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(speech.loudEndMs) });
    this.record.utterances.push(utterance);
    this.#settings.onUtterance(utterance, this.record);
  }

  get #punctuated(): boolean {
    return first(this.record.query.punctuate) === 'true' || first(this.record.query.smart_format) === 'true';
  }

  #results(words: TimedWord[], text: string, flags: { isFinal: boolean; speechFinal: boolean; fromFinalize: boolean }) {
    const startMs = this.#cursorMs;
    if (flags.isFinal) this.#cursorMs = this.record.audioMs;
    const model = first(this.record.query.model) ?? 'nova-3';
    return {
      type: 'Results',
      channel_index: [0, 1],
      duration: seconds(this.record.audioMs - startMs),
      start: seconds(startMs),
      is_final: flags.isFinal,
      speech_final: flags.speechFinal,
      channel: {
        alternatives: [
          {
            transcript: transcriptOf(words, text, this.#punctuated),
            confidence: words.length ? 0.99 : 0,
            words: words.map((word) => ({
              word: word.word,
              start: word.start,
              end: word.end,
              confidence: 0.99,
              ...(this.#punctuated ? { punctuated_word: word.punctuated } : {}),
            })),
          },
        ],
      },
      metadata: {
        request_id: this.record.requestId,
        model_info: { name: `general-${model}`, version: '2025-01-01.0', arch: model.split('-').slice(0, 2).join('-') },
        model_uuid: MODEL_UUID,
      },
      from_finalize: flags.fromFinalize,
    };
  }

  #control(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      message = { type: 'invalid-json', text };
    }
    const type = typeof message.type === 'string' ? message.type : 'unknown';
    this.record.control.push({ type, audioMs: this.record.audioMs, message });
    if (type === 'Finalize') {
      this.#drain();
      this.#finish(true);
    } else if (type === 'CloseStream') {
      this.#drain();
      this.#finish(true);
      this.#send({
        type: 'Metadata',
        transaction_key: 'deprecated',
        request_id: this.record.requestId,
        sha256: this.#hash.digest('hex'),
        created: this.#created,
        duration: seconds(this.record.audioMs),
        channels: this.record.channels,
      });
      this.#ws.close(1000);
    }
  }

  #send(message: Record<string, unknown>): void {
    sendMessage(this.#ws, this.record.sent, message);
  }
}

interface SpeakerSettings {
  latencyMs: number;
  onSpoken: (spoken: FakeSpoken, connection: SpeakConnection) => void;
  onClosed: (connection: SpeakConnection) => void;
}

/** One /v1/speak connection: buffers text, answers each Flush with audio and Flushed. */
class Speaker {
  readonly record: SpeakConnection;
  readonly #ws: WebSocket;
  readonly #settings: SpeakerSettings;
  #buffer = '';
  #flushes = 0;
  #clears = 0;
  /** Bumped by Clear: audio of an older epoch stops. */
  #epoch = 0;
  #work: Promise<void> = Promise.resolve();

  constructor(ws: WebSocket, query: Query, settings: SpeakerSettings) {
    this.#ws = ws;
    this.#settings = settings;
    this.record = {
      requestId: randomUUID(),
      query,
      sampleRate: Number(first(query.sample_rate) ?? 24_000) || 24_000,
      model: first(query.model) ?? 'aura-2-thalia-en',
      texts: [],
      control: [],
      sent: [],
      spoken: [],
      closed: false,
    };
    ws.on('message', (data, isBinary) => this.#message(toBuffer(data).toString('utf8'), isBinary));
    ws.on('close', () => {
      this.record.closed = true;
      settings.onClosed(this.record);
    });
    ws.on('error', () => undefined);
    this.#send({ type: 'Metadata', request_id: this.record.requestId, model_name: this.record.model, model_version: '2025-01-01.0', model_uuid: MODEL_UUID });
  }

  #message(text: string, isBinary: boolean): void {
    let message: Record<string, unknown> | null = null;
    try {
      message = isBinary ? null : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      message = null;
    }
    const type = typeof message?.type === 'string' ? message.type : 'unknown';
    this.record.control.push({ type, message: message ?? { text } });
    if (type === 'Speak' && typeof message?.text === 'string') {
      this.record.texts.push(message.text);
      this.#buffer += message.text;
    } else if (type === 'Flush') {
      const text = this.#buffer;
      this.#buffer = '';
      const sequenceId = this.#flushes++;
      const epoch = this.#epoch;
      this.#work = this.#work.then(() => this.#speak(text, sequenceId, epoch));
    } else if (type === 'Clear') {
      this.#buffer = '';
      this.#epoch += 1;
      this.#send({ type: 'Cleared', sequence_id: this.#clears++ });
    } else if (type === 'Close') {
      void this.#work.then(() => this.#ws.close(1000));
    } else {
      this.#send({ type: 'Warning', description: `Unsupported message: ${text.slice(0, 200)}`, code: 'UNKNOWN_MESSAGE_TYPE' });
    }
  }

  async #speak(text: string, sequenceId: number, epoch: number): Promise<void> {
    const item: FakeSpoken = { text, sequenceId, audioBytes: 0, audioMs: 0, sentAt: 0, cleared: false };
    const stopped = () => epoch !== this.#epoch || this.#ws.readyState !== this.#ws.OPEN;
    const speaks = text.trim() !== '';
    let total = 0;
    if (speaks && !stopped()) {
      if (this.#settings.latencyMs > 0) await delay(this.#settings.latencyMs);
      const audio = toLinear16(textPcm(text, this.record.sampleRate));
      total = audio.length;
      const chunkBytes = Math.round(this.record.sampleRate * 0.2) * 2;
      for (let offset = 0; offset < audio.length && !stopped(); offset += chunkBytes) {
        const chunk = audio.subarray(offset, offset + chunkBytes);
        this.#ws.send(chunk);
        item.audioBytes += chunk.length;
        // Yield between chunks so a Clear can stop the rest, as it does on the real service.
        await new Promise((resolve) => setImmediate(resolve));
      }
      item.audioMs = (item.audioBytes / 2 / this.record.sampleRate) * 1000;
    }
    item.cleared = speaks && (total === 0 || item.audioBytes < total);
    if (!item.cleared) this.#send({ type: 'Flushed', sequence_id: sequenceId });
    item.sentAt = Date.now();
    if (!speaks) return;
    this.record.spoken.push(item);
    this.#settings.onSpoken(item, this.record);
  }

  #send(message: Record<string, unknown>): void {
    sendMessage(this.#ws, this.record.sent, message);
  }
}

interface TimedWord {
  word: string;
  punctuated: string;
  start: number;
  end: number;
}

/** Spreads the words evenly over [startMs, endMs] of the stream's audio time, in seconds. */
function timedWords(tokens: string[], startMs: number, endMs: number): TimedWord[] {
  const span = Math.max(endMs - startMs, tokens.length * 10);
  return tokens.map((token, i) => ({
    word: token.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, ''),
    punctuated: token,
    start: seconds(startMs + (span * i) / tokens.length),
    end: seconds(startMs + (span * (i + 1)) / tokens.length),
  }));
}

function transcriptOf(words: TimedWord[], text: string, punctuated: boolean): string {
  return punctuated ? text.trim().split(/\s+/).filter(Boolean).join(' ') : words.map((word) => word.word).join(' ');
}

function listenQueryProblem(query: Query): string | null {
  if (first(query.encoding) !== 'linear16') return 'The fake Deepgram only understands raw audio with encoding=linear16.';
  const sampleRate = Number(first(query.sample_rate));
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) return 'sample_rate is required when encoding is set.';
  return null;
}

function speakQueryProblem(query: Query): string | null {
  const encoding = first(query.encoding) ?? 'linear16';
  return encoding === 'linear16' ? null : `The fake Deepgram only speaks encoding=linear16, not ${encoding}.`;
}

/** Sends a JSON message on an open socket and logs it in `sent`. */
function sendMessage(ws: WebSocket, sent: Record<string, unknown>[], message: Record<string, unknown>): void {
  if (ws.readyState !== ws.OPEN) return;
  sent.push(message);
  ws.send(JSON.stringify(message));
}

function readQuery(params: URLSearchParams): Query {
  const query: Query = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForCount<T>(events: EventEmitter<FakeDeepgramEvents>, event: 'utterance' | 'spoken', list: T[], count: number): Promise<T[]> {
  return waitFor(() => list.length >= count && list, { on: [events, event], explain: () => `${count} ${event} events; ${list.length} so far` });
}

/** An HTTP response written straight onto an upgrade's socket, to refuse the upgrade. */
function upgradeResponse(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { err_code: code, err_msg: message, request_id: randomUUID() });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

