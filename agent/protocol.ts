// Messages between the server (parent) and one interview's agent process (child),
// carried over the Node IPC channel. Keys travel only here: never argv or environment.
import type { TranscriptItem } from '../shared/api.ts';
import { EXPERIENCE_LEVELS, PATIENCE_LEVELS, type EndReason, type ExperienceLevel, type Patience, type Stage } from '../shared/vocabulary.ts';

export interface ProviderKeys {
  llmApiKey: string;
  /** OpenAI-compatible base URL; undefined means OpenAI's own. */
  llmBaseUrl?: string;
  llmModel: string;
  deepgramKey?: string;
  /** Self-hosted Deepgram, its http(s):// base URL (no /v1), for STT and Deepgram TTS; undefined means Deepgram's own. */
  deepgramBaseUrl?: string;
  ttsProvider: 'openai' | 'deepgram';
  /** Key used for OpenAI text-to-speech when ttsProvider is 'openai': the only key the voice uses. */
  openaiTtsKey?: string;
  /** OpenAI-compatible speech server (POST {base}/audio/speech); undefined means OpenAI's own. */
  ttsBaseUrl?: string;
  /** Speech model and voice for ttsProvider 'openai'; the plugin's defaults when undefined. */
  ttsModel?: string;
  ttsVoice?: string;
}

export interface InterviewParams {
  interviewId: string;
  candidateName: string;
  jobRole: string;
  experienceLevel: ExperienceLevel;
  resumeText?: string;
  jobDescription?: string;
  interviewerName?: string;
  /** Whole-interview hard limit. */
  maxDurationSeconds?: number;
  /** Voice: how long a pause ends an answer (DEFAULT_PATIENCE when absent). */
  patience?: Patience;
  /** Feedback is written as soon as the interview ends (else the candidate asks for it on the interview page). */
  feedbackAfterInterview?: boolean;
  /** How long a provider failure may pause the interview before it ends it (DEFAULT_PROVIDER_PAUSE_SECONDS when absent). */
  providerPauseSeconds?: number;
}

export type StartMessage = {
  type: 'start';
  keys: ProviderKeys;
  interview: InterviewParams;
} & (
  | { mode: 'text' }
  /** `candidateIdentity`: the one participant the interviewer greets, listens to and takes requests from. */
  | { mode: 'voice'; livekit: { url: string; token: string; room: string; candidateIdentity: string } }
);

/** The values of a `start` message that must never reach a log: the user's keys and the agent's LiveKit token. */
export function startSecrets(start: StartMessage): string[] {
  const { llmApiKey, deepgramKey, openaiTtsKey } = start.keys;
  return [llmApiKey, deepgramKey, openaiTtsKey, start.mode === 'voice' ? start.livekit.token : undefined].filter(
    (value): value is string => typeof value === 'string',
  );
}

export type ParentMessage =
  | StartMessage
  | { type: 'user_text'; text: string }
  | { type: 'skip_stage'; stage?: Stage }
  /** The candidate's "Try again" while a provider failure pauses the interview. */
  | { type: 'retry' }
  | { type: 'stop'; reason?: EndReason };

export type { TranscriptItem };

export interface TurnMetrics {
  stage: Stage;
  at: number;
  endOfUtteranceDelayMs?: number;
  llmTtftMs?: number;
  ttsTtfbMs?: number;
}

export type ChildMessage =
  /**
   * The pipeline is built, the session started and the LLM answered a first request; `ms` is
   * the time since the child process started. A pipeline that fails to build, or an LLM where
   * nothing answers, is reported as `error` + `ended` instead.
   */
  | { type: 'ready'; ms: number }
  | { type: 'item'; item: TranscriptItem }
  /** `skipped` is cumulative: every stage skipped so far, so the latest message is the whole list. */
  | { type: 'stage'; stage: Stage; previous: Stage | null; skipped: Stage[]; at: number; by: 'agent' | 'timer' | 'candidate' }
  | { type: 'metrics'; metrics: TurnMetrics }
  | { type: 'ended'; reason: EndReason }
  | { type: 'error'; provider?: 'llm' | 'stt' | 'tts' | 'livekit'; message: string }
  /**
   * A provider failed after its retries: the interview waits for the candidate's `retry` (or a
   * reply that works) and ends at `endsAt` (epoch ms) if the failure lasts. Sent again for each
   * retry that fails.
   */
  | { type: 'paused'; provider: 'llm' | 'tts'; message: string; endsAt: number }
  /** A reply came through after a pause. */
  | { type: 'resumed' };

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * What is wrong with a `start` message, or null when it is usable. Hand-written (no zod) so the
 * child can check it before loading anything heavy. Never echoes values: they may be keys.
 */
export function startMessageProblem(value: unknown): string | null {
  const msg = value as Partial<StartMessage> & { livekit?: Partial<{ url: string; token: string; room: string; candidateIdentity: string }> };
  const isText = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
  if (!msg || msg.type !== 'start') return 'not a start message';
  if (msg.mode !== 'text' && msg.mode !== 'voice') return 'mode must be "text" or "voice"';
  const keys = msg.keys;
  if (!keys || !isText(keys.llmApiKey)) return 'keys.llmApiKey is required';
  if (!isText(keys.llmModel)) return 'keys.llmModel is required';
  if (keys.ttsProvider !== 'openai' && keys.ttsProvider !== 'deepgram') return 'keys.ttsProvider must be "openai" or "deepgram"';
  for (const name of ['deepgramKey', 'deepgramBaseUrl', 'openaiTtsKey', 'ttsBaseUrl', 'ttsModel', 'ttsVoice'] as const) {
    if (keys[name] !== undefined && typeof keys[name] !== 'string') return `keys.${name} must be text when given`;
  }
  for (const name of ['deepgramBaseUrl', 'ttsBaseUrl'] as const) {
    const url = keys[name];
    if (url !== undefined && !/^https?:\/\//i.test(url)) return `keys.${name} must be an http(s):// URL`;
  }
  const interview = msg.interview;
  if (!interview || !isText(interview.interviewId)) return 'interview.interviewId is required';
  if (!isText(interview.candidateName)) return 'interview.candidateName is required';
  if (!isText(interview.jobRole)) return 'interview.jobRole is required';
  if (!EXPERIENCE_LEVELS.includes(interview.experienceLevel as ExperienceLevel)) return 'interview.experienceLevel is not a known level';
  if (interview.maxDurationSeconds !== undefined && !(Number(interview.maxDurationSeconds) > 0)) return 'interview.maxDurationSeconds must be positive';
  if (interview.patience !== undefined && !PATIENCE_LEVELS.includes(interview.patience)) return 'interview.patience is not a known patience';
  if (interview.providerPauseSeconds !== undefined && !(Number(interview.providerPauseSeconds) > 0)) return 'interview.providerPauseSeconds must be positive';
  if (msg.mode === 'voice' && (!msg.livekit || !isText(msg.livekit.url) || !isText(msg.livekit.token) || !isText(msg.livekit.candidateIdentity))) {
    return 'voice mode needs livekit.url, livekit.token and livekit.candidateIdentity';
  }
  return null;
}
