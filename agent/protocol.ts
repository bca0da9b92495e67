// Messages between the server (parent) and one interview's agent process (child),
// carried over the Node IPC channel. Keys travel only here: never argv or environment.

export const STAGES = ['welcome', 'self_intro', 'past_experience', 'company_fit', 'closing'] as const;
export type Stage = (typeof STAGES)[number];

export const EXPERIENCE_LEVELS = ['entry', 'junior', 'mid', 'senior', 'lead', 'staff'] as const;
export type ExperienceLevel = (typeof EXPERIENCE_LEVELS)[number];

export type EndReason = 'completed' | 'candidate' | 'timeout' | 'idle' | 'error' | 'shutdown';

export interface ProviderKeys {
  llmApiKey: string;
  /** OpenAI-compatible base URL; undefined means OpenAI's own. */
  llmBaseUrl?: string;
  llmModel: string;
  deepgramKey?: string;
  ttsProvider: 'openai' | 'deepgram';
  /** Key used for OpenAI text-to-speech when ttsProvider is 'openai'. */
  openaiTtsKey?: string;
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
}

export type StartMessage = {
  type: 'start';
  keys: ProviderKeys;
  interview: InterviewParams;
} & (
  | { mode: 'text' }
  | { mode: 'voice'; livekit: { url: string; token: string; room: string } }
);

export type ParentMessage =
  | StartMessage
  | { type: 'user_text'; text: string }
  | { type: 'skip_stage'; stage?: Stage }
  | { type: 'stop'; reason?: EndReason };

export interface TranscriptItem {
  id: string;
  role: 'assistant' | 'user';
  text: string;
  stage: Stage;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  interrupted?: boolean;
}

export interface TurnMetrics {
  stage: Stage;
  at: number;
  endOfUtteranceDelayMs?: number;
  llmTtftMs?: number;
  ttsTtfbMs?: number;
}

export type ChildMessage =
  | { type: 'ready'; ms: number }
  | { type: 'item'; item: TranscriptItem }
  | { type: 'stage'; stage: Stage; previous: Stage | null; skipped: Stage[]; at: number; by: 'agent' | 'timer' | 'candidate' }
  | { type: 'metrics'; metrics: TurnMetrics }
  | { type: 'ended'; reason: EndReason }
  | { type: 'error'; provider?: 'llm' | 'stt' | 'tts' | 'livekit'; message: string };

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
