// Builds the AgentSession for one interview (text or voice), starts it, and greets the candidate.
// Voice-only modules (room, STT, TTS, VAD) are loaded from ./voice.ts only in voice mode.

import { initializeLogger, llm, loggerOptions, voice, type stt, type tts, type VAD } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { describeFailure, statusOf } from './errors.ts';
import { Interview } from './interview.ts';
import { Interviewer } from './interviewer.ts';
import type { ChildMessage, EndReason, ProviderKeys, Stage, StartMessage } from './protocol.ts';

export const DEFAULT_MAX_DURATION_SECONDS = 20 * 60;
const TICK_MS = 1000;

export interface VoiceModels {
  stt: stt.STT;
  tts: tts.TTS;
  vad: VAD;
}

/**
 * The user's own OpenAI-compatible model, called with their key (never LiveKit inference).
 * The SDK warms the connection up with GET /models when the session is built; a key rejected
 * there is reported at once instead of after the candidate's first answer.
 */
export class InterviewLLM extends openai.LLM {
  onKeyRejected?: (error: unknown) => void;

  constructor(keys: ProviderKeys) {
    ensureLogger();
    super({ apiKey: keys.llmApiKey, baseURL: keys.llmBaseUrl, model: keys.llmModel, temperature: 0.7 });
  }

  protected override async _prewarmImpl(signal: AbortSignal): Promise<void> {
    try {
      await super._prewarmImpl(signal);
    } catch (error) {
      const status = statusOf(error);
      if (status === 401 || status === 403) this.onKeyRejected?.(error);
      throw error;
    }
  }
}

/** The SDK refuses to build anything before its logger exists; main.ts sets it up first, tests rely on this. */
export function ensureLogger(): void {
  if (!loggerOptions()) initializeLogger({ pretty: false, level: 'warn' });
}

/** The session, not started. Turn detection and interruption are pinned to local VAD so nothing calls LiveKit Cloud. */
export function createSession(model: llm.LLM, voiceModels?: VoiceModels): voice.AgentSession {
  if (!voiceModels) {
    return new voice.AgentSession({
      llm: model,
      vad: null,
      userAwayTimeout: null,
      turnHandling: { turnDetection: 'manual', interruption: { mode: 'vad' } },
    });
  }
  return new voice.AgentSession({
    llm: model,
    stt: voiceModels.stt,
    tts: voiceModels.tts,
    vad: voiceModels.vad,
    turnHandling: { turnDetection: 'vad', interruption: { mode: 'vad' } },
  });
}

export interface RunInterviewOptions {
  start: StartMessage;
  send: (message: ChildMessage) => void;
  /** Tests inject a scripted model; otherwise the user's model is built from the keys. */
  model?: llm.LLM;
  /** Clock for stage timing. */
  now?: () => number;
}

export interface RunningInterview {
  session: voice.AgentSession;
  interview: Interview;
  /** Resolves after `ended` has been sent. */
  ended: Promise<EndReason>;
  userText(text: string): void;
  skip(stage?: Stage): void;
  stop(reason: EndReason): Promise<void>;
}

export async function runInterview(options: RunInterviewOptions): Promise<RunningInterview> {
  const { start, send } = options;
  ensureLogger();
  const interview = new Interview({ params: start.interview, keys: start.keys, send, now: options.now });
  const model = options.model ?? new InterviewLLM(start.keys);
  if (model instanceof InterviewLLM) {
    model.onKeyRejected = (error) => void interview.end('error', describeFailure('llm', error, start.keys));
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
  if (start.mode === 'voice') {
    const { buildVoiceModels, joinRoom } = await import('./voice.ts');
    const voiceModels = await buildVoiceModels(start.keys);
    session = createSession(model, voiceModels);
    interview.attach(session);
    const joined = await joinRoom(start.livekit, interview);
    interview.onEnd(() => joined.room.disconnect());
    await session.start({ agent: new Interviewer(interview), room: joined.room });
    void joined.candidateJoined.then(() => interview.greet());
  } else {
    session = createSession(model);
    interview.attach(session);
    await session.start({ agent: new Interviewer(interview) });
    interview.greet();
  }

  return {
    session,
    interview,
    ended: interview.ended,
    userText: (text) => interview.userText(text),
    skip: (stage) => interview.skip(stage),
    stop: (reason) => interview.end(reason),
  };
}
