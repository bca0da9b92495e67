// Builds the AgentSession for one interview (text or voice), starts it, and greets the candidate.
// Voice-only modules (room, STT, TTS, VAD) are loaded from ./voice.ts only in voice mode.

import { initializeLogger, llm, loggerOptions, voice, type SessionConnectOptions, type stt, type tts, type VAD } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import OpenAI from 'openai';
import { describeFailure, ProviderError, type Provider } from './errors.ts';
import { guardedFetch } from '../shared/guarded-fetch.ts';
import { Interview } from './interview.ts';
import { checkLlmConnection, type ConnectionProblem, type LlmCheckOptions } from './llm-check.ts';
import { Interviewer } from './interviewer.ts';
import type { Resolver } from '../shared/net-guard.ts';
import { type ChildMessage, type ProviderKeys, type StartMessage } from './protocol.ts';
import { DEFAULT_PATIENCE, END_OF_TURN_WAIT_MS, type EndReason, type Patience, type Stage } from '../shared/vocabulary.ts';

export const DEFAULT_MAX_DURATION_SECONDS = 20 * 60;
const TICK_MS = 1000;

export interface VoiceModels {
  stt: stt.STT;
  tts: tts.TTS;
  vad: VAD;
}

/**
 * Retries per model call. The first retry comes after 100 ms (fixed by the SDK), the next after
 * `retryIntervalMs`: a blip is absorbed, a provider that stays down ends the interview within
 * about a second (plus the request timeout when it does not answer at all) instead of the SDK's
 * default of several failed turns of three retries 2 s apart.
 */
export const CONNECTION_OPTIONS = {
  sttConnOptions: { maxRetry: 2, retryIntervalMs: 500, timeoutMs: 10_000 },
  llmConnOptions: { maxRetry: 2, retryIntervalMs: 500, timeoutMs: 10_000 },
  ttsConnOptions: { maxRetry: 2, retryIntervalMs: 500, timeoutMs: 10_000 },
  /**
   * The SDK never closes the session for a model or voice failure that survived its retries:
   * Interview pauses the interview and ends it only if the failure lasts (speech-to-text
   * failures still close it: the SDK gives no way to resume its input).
   */
  maxUnrecoverableErrors: Number.MAX_SAFE_INTEGER,
} as const satisfies SessionConnectOptions;

export interface InterviewLLMOptions {
  checkTimeoutMs?: number;
  /** Loopback is refused only in production; defaults to NODE_ENV === 'production'. */
  production?: boolean;
  /** Tests inject their own DNS answers; defaults to the system resolver. */
  resolve?: Resolver;
  /** The connection check, when the child already started it (as soon as `start` arrived). */
  check?: Promise<ConnectionProblem | undefined>;
}

/**
 * The user's own OpenAI-compatible model, called with their key (never LiveKit inference).
 * `checkConnection()` asks GET /models once (the SDK's connection warm-up goes through it too),
 * so a refused key or an address where nothing answers is known before the interview starts.
 * The client's fetch keeps the last network failure: the SDK's own error for a model call keeps
 * only "Connection error.", and the user deserves to know whether it was refused or not found.
 * Every connection goes through the network guard: the server checked the base URL before
 * forking, but the DNS answer may change before we connect (rebinding), so the address actually
 * connected to is checked again here.
 */
export class InterviewLLM extends openai.LLM {
  private readonly network: { lastError: unknown };
  private readonly checkAbort: AbortController;
  private readonly providerKeys: ProviderKeys;
  private readonly checkOptions: LlmCheckOptions;
  private check?: Promise<ConnectionProblem | undefined>;

  constructor(keys: ProviderKeys, options: InterviewLLMOptions = {}) {
    ensureLogger();
    const network: { lastError: unknown } = { lastError: undefined };
    const production = options.production ?? process.env.NODE_ENV === 'production';
    const guarded = guardedFetch({ production, resolve: options.resolve, keepAlive: true });
    const tracked: typeof fetch = async (input, init) => {
      try {
        const response = await guarded(input, init);
        network.lastError = undefined;
        return response;
      } catch (error) {
        if (!init?.signal?.aborted) network.lastError = error;
        throw error;
      }
    };
    const client = new OpenAI({ apiKey: keys.llmApiKey, baseURL: keys.llmBaseUrl, maxRetries: 0, fetch: tracked });
    super({ client, apiKey: keys.llmApiKey, baseURL: keys.llmBaseUrl, model: keys.llmModel, temperature: 0.7 });
    this.network = network;
    this.checkAbort = new AbortController();
    this.providerKeys = keys;
    this.checkOptions = { fetch: tracked, signal: this.checkAbort.signal, timeoutMs: options.checkTimeoutMs };
    this.check = options.check;
  }

  /** The network error behind the last failed call, if the last call failed to connect. */
  get lastNetworkError(): unknown {
    return this.network.lastError;
  }

  /** The start-up check (see checkLlmConnection): started here unless the child already started it. */
  checkConnection(): Promise<ConnectionProblem | undefined> {
    this.check ??= checkLlmConnection(this.providerKeys, this.checkOptions);
    return this.check;
  }

  protected override async _prewarmImpl(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.checkAbort.abort(), { once: true });
    await this.checkConnection();
  }

  override async aclose(): Promise<void> {
    this.checkAbort.abort();
    await super.aclose();
  }
}

/**
 * The SDK answers remote-session requests from the linked participant on the `lk.agent.session`
 * byte stream (chat history, the agent's instructions, injected turns) for its own tools. The
 * candidate is that participant, so nothing of it may stay open in an interview.
 */
async function closeRemoteSessionHost(session: voice.AgentSession): Promise<void> {
  const holder = session as unknown as { sessionHost?: { close(): Promise<void> } };
  const host = holder.sessionHost;
  holder.sessionHost = undefined;
  await host?.close();
}

/** The SDK refuses to build anything before its logger exists; main.ts sets it up first, tests rely on this. */
export function ensureLogger(): void {
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'warn' });
}

/** The session, not started. Turn detection and interruption are pinned to local VAD so nothing calls LiveKit Cloud. */
export function createSession(model: llm.LLM, voiceModels?: VoiceModels, patience: Patience = DEFAULT_PATIENCE): voice.AgentSession {
  if (!voiceModels) {
    return new voice.AgentSession({
      llm: model,
      vad: null,
      userAwayTimeout: null,
      turnHandling: { turnDetection: 'manual', interruption: { mode: 'vad' } },
      connOptions: CONNECTION_OPTIONS,
    });
  }
  return new voice.AgentSession({
    llm: model,
    stt: voiceModels.stt,
    tts: voiceModels.tts,
    vad: voiceModels.vad,
    turnHandling: { turnDetection: 'vad', endpointing: { minDelay: END_OF_TURN_WAIT_MS[patience] }, interruption: { mode: 'vad' } },
    connOptions: CONNECTION_OPTIONS,
  });
}

export interface RunInterviewOptions {
  start: StartMessage;
  send: (message: ChildMessage) => void;
  /** Tests inject a scripted model; otherwise the user's model is built from the keys. */
  model?: llm.LLM;
  /** The LLM connection check, if the child started it already. */
  llmCheck?: Promise<ConnectionProblem | undefined>;
  /** Clock for stage timing. */
  now?: () => number;
}

export interface RunningInterview {
  session: voice.AgentSession;
  interview: Interview;
  /** Resolves after `ended` has been sent. */
  ended: Promise<EndReason>;
  /** Called once `ready` has been sent: the interviewer greets (voice: once the candidate is in the room). */
  begin(): void;
  userText(text: string): void;
  skip(stage?: Stage): void;
  retry(): void;
  stop(reason: EndReason): Promise<void>;
}

/**
 * Builds and starts the session. An LLM address where nothing answers or that is not allowed, or
 * an LLM that refuses the key, is reported by throwing a ProviderError: the parent gets `error`
 * then `ended`, never `ready`, so the start itself fails with the reason instead of an interview
 * that ends at once.
 */
export async function runInterview(options: RunInterviewOptions): Promise<RunningInterview> {
  const { start, send } = options;
  ensureLogger();
  const interview = new Interview({ params: start.interview, keys: start.keys, send, now: options.now });
  const model = options.model ?? new InterviewLLM(start.keys, { check: options.llmCheck });
  const check = model instanceof InterviewLLM ? model.checkConnection() : Promise.resolve(undefined);
  if (model instanceof InterviewLLM) {
    interview.networkCause = (provider: Provider) => (provider === 'llm' ? model.lastNetworkError : undefined);
  }

  const maxSeconds = start.interview.maxDurationSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
  const hardLimit = setTimeout(() => void interview.end('timeout'), maxSeconds * 1000);
  const ticker = setInterval(() => interview.tick(), TICK_MS);
  hardLimit.unref();
  ticker.unref();
  interview.onEnd(() => {
    clearTimeout(hardLimit);
    clearInterval(ticker);
    return model.aclose();
  });

  let session: voice.AgentSession;
  let greetWhenReady: () => void;
  if (start.mode === 'voice') {
    const { buildVoiceModels, joinRoom } = await import('./voice.ts');
    // The VAD's model loads while the room connects: each takes a few hundred ms.
    const [built, connected] = await Promise.allSettled([buildVoiceModels(start.keys), joinRoom(start.livekit, interview)]);
    if (connected.status === 'fulfilled') interview.onEnd(() => connected.value.room.disconnect());
    if (built.status === 'rejected' || connected.status === 'rejected') {
      if (connected.status === 'fulfilled') await connected.value.room.disconnect();
      throw built.status === 'rejected' ? built.reason : (connected as PromiseRejectedResult).reason;
    }
    const joined = connected.value;
    session = createSession(model, built.value, start.interview.patience);
    interview.attach(session);
    // A candidate who reloads the page or loses the connection comes back with a fresh pass from the
    // server, so leaving the room does not end the interview: the End button does, or the idle limit.
    await session.start({
      agent: new Interviewer(interview),
      room: joined.room,
      inputOptions: {
        participantIdentity: start.livekit.candidateIdentity,
        closeOnDisconnect: false,
        // The interview hears the candidate's voice only: typed turns would go round the stage rules.
        textEnabled: false,
      },
    });
    await closeRemoteSessionHost(session);
    greetWhenReady = () => void joined.candidateJoined.then(() => interview.greet());
  } else {
    session = createSession(model);
    interview.attach(session);
    await session.start({ agent: new Interviewer(interview) });
    greetWhenReady = () => interview.greet();
  }

  const problem = await check;
  if (problem) {
    await interview.discard();
    throw new ProviderError(describeFailure('llm', problem.error, start.keys));
  }

  let begun = false;
  return {
    session,
    interview,
    ended: interview.ended,
    begin: () => {
      if (begun) return;
      begun = true;
      greetWhenReady();
    },
    userText: (text) => interview.userText(text),
    skip: (stage) => interview.skip(stage),
    retry: () => interview.retry(),
    stop: (reason) => interview.end(reason),
  };
}
