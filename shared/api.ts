// What the server sends the browser: the interview's event stream and the JSON bodies of the
// routes the browser code calls. The server builds them against these types and browser/ reads
// them with the same ones, so a change on either side fails `npm run typecheck`.

import type { LlmPreset } from './providers.ts';
import type { EndReason, Stage } from './vocabulary.ts';

/** Any refused API request (server/http/error-handler.ts): a code, a sentence, fields at fault, and details such as `retryAfterSeconds`. */
export interface ApiErrorBody {
  error: string;
  message: string;
  fields?: Record<string, string>;
  retryAfterSeconds?: number;
  [detail: string]: unknown;
}

// ---- Interviews -----------------------------------------------------------------------------

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

/** The measures of one turn, in milliseconds; null where it was not measured (text: no voice, no end-of-answer wait). */
export interface TurnTimes {
  stage: Stage;
  at: number;
  endOfUtteranceDelayMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
}

/** The interview moved on: `skipped` is every stage skipped so far. */
export interface StageChange {
  stage: Stage;
  previous: Stage | null;
  skipped: Stage[];
  by: 'agent' | 'timer' | 'candidate';
  /** Epoch milliseconds. */
  at: number;
}

/** A failing provider paused the interview until `endsAt` (epoch ms), when it ends by itself. */
export interface ProviderPause {
  provider: string;
  message: string;
  endsAt: number;
}

/** What the browser reads of an interview (server/interviews/presenter.ts presents more). */
export interface InterviewView {
  id: string;
  status: string;
  /** Each stage as it was entered (epoch ms). */
  stages: { stage: Stage; at: number }[];
  items: TranscriptItem[];
  responseTimes: { turns: TurnTimes[] };
}

/** One row of the history (GET /api/interviews). */
export interface InterviewSummary {
  id: string;
  candidateName: string;
  jobRole: string | null;
  /** A level id, or what an older row holds. */
  experienceLevel: string | null;
  mode: 'voice' | 'text';
  status: string;
  createdAt: string;
  durationSeconds: number | null;
  finalStage: Stage | null;
  score: number | null;
}

export interface InterviewList {
  interviews: InterviewSummary[];
  page: number;
  perPage: number;
  total: number;
}

/** A LiveKit room and the pass (a JWT) that lets one participant in. */
export interface RoomPass {
  url: string;
  token: string;
  room: string;
}

/** POST /api/interviews. */
export interface StartedInterview {
  id: string;
  mode: 'voice' | 'text';
  status: 'live';
  livekit?: RoomPass;
}

/** POST /api/resume: the text read from the file. */
export interface ResumeText {
  text: string;
  chars: number;
  pages?: number;
  truncated?: true;
}

/** 202 answers of messages, skip and retry. */
export interface Accepted {
  accepted: true;
}

// ---- Feedback ------------------------------------------------------------------------------

export type FeedbackStep = 'queued' | 'analysing' | 'asking_model' | 'retrying' | 'checking_quotes';

/** GET /api/interviews/:id/feedback, as far as the browser reads it. */
export interface FeedbackState {
  status: 'none' | 'generating' | 'ready' | 'failed';
  error?: string | null;
}

export type FeedbackEvent = { status: 'generating'; step: FeedbackStep } | { status: 'ready' } | { status: 'failed'; error: string };

// ---- The event stream (GET /api/interviews/:id/events) ---------------------------------------

/** Each event's data by its name; `snapshot` opens a stream that did not resume. */
export interface InterviewEventData {
  snapshot: InterviewView & { paused: ProviderPause | null };
  item: TranscriptItem;
  stage: StageChange;
  metrics: TurnTimes;
  status: { status: string; endedBy?: string | null };
  ended: { reason: EndReason | string; error: string | null; interview: InterviewView; feedbackComing: boolean };
  error: { message: string; provider: string | null };
  feedback: FeedbackEvent;
  idle_warning: { endsAt: number };
  /** The server is being updated (a deploy): the interview ends at `endsAt` at the latest. */
  server_stopping: { endsAt: number };
  paused: ProviderPause;
  resumed: Record<string, never>;
}

export type InterviewEventType = Exclude<keyof InterviewEventData, 'snapshot'>;

// ---- Keys ------------------------------------------------------------------------------------

/** The keys sent once and never shown again: only whether each is set, and its last four characters. */
export const SECRET_FIELDS = ['livekit_url', 'livekit_api_key', 'livekit_api_secret', 'openai_key', 'deepgram_key', 'tts_key'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export interface KeyStatus {
  set: boolean;
  /** The last four characters, e.g. "…abcd"; null when unset or unreadable. */
  masked: string | null;
  updatedAt: string | null;
  /** The key is stored but no configured ENCRYPTION_KEY opens it. */
  unreadable?: true;
}

export type TestedProvider = 'livekit' | 'llm' | 'deepgram' | 'speech';

export interface KeyCheck {
  ok: boolean;
  /** True when the values needed for the check are missing: nothing was sent. */
  notSet?: boolean;
  ms?: number;
  message: string;
}

/** GET, PUT and DELETE /api/keys (server/keys/presenter.ts): what the browser learns about saved keys, never a secret. */
export type KeysView = Record<SecretField, KeyStatus> & {
  livekit_host: string | null;
  llm_base_url: string;
  llm_provider: LlmPreset | 'custom';
  llm_model: string;
  tts_provider: 'openai' | 'deepgram';
  /** Self-hosted Deepgram; null means Deepgram's own API. */
  deepgram_base_url: string | null;
  /** The OpenAI voice's OpenAI-compatible speech server; null means OpenAI's. */
  tts_base_url: string | null;
  /** Null means the default (gpt-4o-mini-tts on OpenAI's endpoint, tts-1 on another; alloy). */
  tts_model: string | null;
  tts_voice: string | null;
  needsReentry: boolean;
  message?: string;
  /** Why the chosen voice cannot speak with these keys, with what to do; null when it can. */
  voiceWarning: string | null;
  /** The last "Test keys" result per provider for the saved keys (`at`: ISO time of the test). */
  lastTests: Partial<Record<TestedProvider, KeyCheck & { at: string }>>;
  presets: { id: LlmPreset; baseUrl: string; defaultModel: string }[];
};

/** POST /api/keys/test. */
export type KeyTestResults = Record<TestedProvider, KeyCheck>;

// ---- The voice room ---------------------------------------------------------------------------

/** The room's data topic on which the page asks the interviewer for the next stage (the agent heeds only the candidate). */
export const CONTROL_TOPIC = 'interview.control';

/** What the page publishes on CONTROL_TOPIC. */
export interface ControlRequest {
  type: 'skip_stage';
  stage?: Stage;
}
