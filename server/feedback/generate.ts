import type OpenAI from 'openai';

// The openai SDK is imported on the first generation, not at start-up (server memory).
type OpenAISdk = typeof import('openai').default;
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { TranscriptItem } from '../../agent/protocol.ts';
import type { ExperienceLevel } from '../../shared/vocabulary.ts';
import { redactor } from '../../shared/redact.ts';
import { isHttpError, tooShort, upstream, type HttpError } from '../http/errors.ts';
import { DEFAULT_LLM_BASE_URL, providerName } from '../../shared/providers.ts';
import { computeAnalytics, type InterviewMode, type SpeakingAnalytics, type StageEvent } from './analytics.ts';
import { feedbackMessages } from './prompt.ts';
import { verifyQuotes } from './quotes.ts';
import { describeProblems, FEEDBACK_SCHEMA_NAME, feedbackJsonSchema, FeedbackSchema, type Feedback } from './schema.ts';
import { storableJson } from '../db/storable-text.ts';

// Generates feedback with the owner's own LLM settings. The model's answer is validated, retried
// once with the problems spelled out, and never replaced by anything made up: it is usable
// feedback or a plain-language failure.

export const MIN_CANDIDATE_ANSWERS = 3;
/**
 * For the whole generation, a retry or a looser output format included: the candidate was
 * promised feedback within a minute, and this leaves a few seconds for saving and showing it.
 */
export const DEFAULT_FEEDBACK_TIMEOUT_MS = 55_000;

export const INVALID_TWICE_MESSAGE =
  "The model's answer could not be used twice in a row; nothing was saved. Try again, or choose a different model in Settings → Keys.";

export type FeedbackProgress = 'analysing' | 'asking_model' | 'retrying' | 'checking_quotes';

export interface GenerateFeedbackOptions {
  llm: { apiKey: string; /** OpenAI-compatible; OpenAI's when absent. */ baseURL?: string; model: string };
  interview: {
    jobRole: string;
    experienceLevel: ExperienceLevel;
    mode: InterviewMode;
    items: TranscriptItem[];
    stageEvents: StageEvent[];
    endedAt?: number;
  };
  /** Transport for the provider calls, e.g. guardedFetch() from server/keys/url-guard.ts. */
  fetch?: typeof globalThis.fetch;
  /** For the whole generation, retry included. */
  timeoutMs?: number;
  /** Aborts the generation (e.g. the browser went away); it then fails as 'cancelled'. */
  signal?: AbortSignal;
  onProgress?: (stage: FeedbackProgress) => void;
}

export interface GeneratedFeedback {
  feedback: Feedback;
  analytics: SpeakingAnalytics;
  /** The model asked, as configured. */
  model: string;
  /** Answers the model gave until one was usable: 1, or 2 after a retry. */
  attempts: number;
  /** Quotes removed because the candidate never said them. */
  droppedQuotes: number;
}

/** What is stored in feedback.feedback_data. */
export interface FeedbackData {
  version: 1;
  /** ISO 8601. */
  generatedAt: string;
  model: string;
  feedback: Feedback;
  analytics: SpeakingAnalytics;
  droppedQuotes: number;
}

/** The model wrote the feedback: a NUL or half a surrogate pair in it must not cost the whole report. */
export function toFeedbackData(result: GeneratedFeedback, generatedAt = new Date()): FeedbackData {
  return storableJson({
    version: 1,
    generatedAt: generatedAt.toISOString(),
    model: result.model,
    feedback: result.feedback,
    analytics: result.analytics,
    droppedQuotes: result.droppedQuotes,
  });
}

export const notEnoughAnswers = (answers: number) =>
  tooShort(
    `There is not enough to judge yet: feedback needs at least ${MIN_CANDIDATE_ANSWERS} answers from you, and this interview has ${answers}.`,
    { answers, needed: MIN_CANDIDATE_ANSWERS },
  );

export type FeedbackFailure =
  | 'invalid_output'
  | 'key_rejected'
  | 'forbidden'
  | 'model_not_found'
  | 'rate_limited'
  | 'request_rejected'
  | 'provider_error'
  | 'unreachable'
  | 'timeout'
  | 'cancelled';

/** The model did not give us feedback; `details.reason` says why, for the log. */
export const feedbackFailed = (reason: FeedbackFailure, message: string) => upstream(message, { reason });

type OutputMode = 'json_schema' | 'json_object' | 'prompt_only';

export async function generateFeedback(options: GenerateFeedbackOptions): Promise<GeneratedFeedback> {
  const { llm, interview, onProgress } = options;
  onProgress?.('analysing');
  const analytics = computeAnalytics(interview);
  if (analytics.answers.count < MIN_CANDIDATE_ANSWERS) throw notEnoughAnswers(analytics.answers.count);

  const provider = providerName(llm.baseURL ?? DEFAULT_LLM_BASE_URL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_FEEDBACK_TIMEOUT_MS;
  const deadlineAt = Date.now() + timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    apiKey: llm.apiKey,
    baseURL: llm.baseURL ?? DEFAULT_LLM_BASE_URL,
    fetch: options.fetch,
    maxRetries: 0,
    // Not from this server's environment: the owner's key goes alone.
    organization: null,
    project: null,
    logLevel: 'off',
  });

  let mode: OutputMode = 'json_schema';
  let conversation: ChatCompletionMessageParam[] = [];
  let feedback: Feedback | undefined;
  let attempts = 0;

  try {
    onProgress?.('asking_model');
    while (feedback === undefined) {
      if (attempts === 0) conversation = feedbackMessages(interview, mode === 'json_schema' ? undefined : feedbackJsonSchema());
      let content: string | null;
      try {
        // Each call gets what is left of the one budget, so a retry cannot restart the clock.
        content = await ask(client, requestFor(llm.model, mode, conversation), signal, Math.max(1, deadlineAt - Date.now()));
      } catch (err) {
        const next = fallbackMode(mode, err, OpenAI);
        if (next === undefined || attempts > 0) throw err;
        mode = next;
        continue; // same attempt, asked without the format this provider refused
      }
      attempts += 1;
      const outcome = parseFeedback(content);
      if (outcome.ok) {
        feedback = outcome.feedback;
        break;
      }
      if (attempts >= 2) throw feedbackFailed('invalid_output', INVALID_TWICE_MESSAGE);
      onProgress?.('retrying');
      conversation = [
        ...conversation,
        { role: 'assistant', content: content ?? '' },
        {
          role: 'user',
          content: `Your answer could not be used:\n${outcome.problem}\nReply again with the complete feedback as one JSON object that fixes these problems.`,
        },
      ];
    }
  } catch (err) {
    throw explain(err, { sdk: OpenAI, provider, model: llm.model, timeoutMs, deadline, apiKey: llm.apiKey });
  }

  onProgress?.('checking_quotes');
  const candidateTexts = interview.items.filter((item) => item.role === 'user').map((item) => item.text);
  const verified = verifyQuotes(feedback, candidateTexts);
  return { feedback: verified.feedback, analytics, model: llm.model, attempts, droppedQuotes: verified.droppedQuotes };
}

function requestFor(model: string, mode: OutputMode, messages: ChatCompletionMessageParam[]): ChatCompletionCreateParamsNonStreaming {
  const request: ChatCompletionCreateParamsNonStreaming = { model, messages };
  if (mode === 'json_schema') {
    request.response_format = {
      type: 'json_schema',
      json_schema: { name: FEEDBACK_SCHEMA_NAME, strict: true, schema: feedbackJsonSchema() },
    };
  } else if (mode === 'json_object') {
    request.response_format = { type: 'json_object' };
  }
  return request;
}

async function ask(client: OpenAI, request: ChatCompletionCreateParamsNonStreaming, signal: AbortSignal, timeout: number): Promise<string | null> {
  const completion = await client.chat.completions.create(request, { signal, timeout });
  const message = completion.choices?.[0]?.message;
  // A refusal (structured outputs) has no content; it counts as an unusable answer.
  return typeof message?.content === 'string' ? message.content : null;
}

/**
 * The next, looser way to ask for JSON when the provider refused this one: a 400 or 422 whose
 * message is about the response format (providers word it differently, but all name it).
 */
function fallbackMode(mode: OutputMode, err: unknown, sdk: OpenAISdk): OutputMode | undefined {
  if (!(err instanceof sdk.APIError) || (err.status !== 400 && err.status !== 422)) return undefined;
  if (!/response_format|response format|json_schema|json_object|json mode|structured output|schema/i.test(err.message)) return undefined;
  if (mode === 'json_schema') return 'json_object';
  if (mode === 'json_object') return 'prompt_only';
  return undefined;
}

type Parsed = { ok: true; feedback: Feedback } | { ok: false; problem: string };

/** The model's text as feedback, or what is wrong with it in words the model can act on. */
export function parseFeedback(content: string | null): Parsed {
  if (content === null || content.trim() === '') return { ok: false, problem: '- the answer was empty' };
  let value: unknown;
  try {
    value = JSON.parse(withoutCodeFence(content));
  } catch {
    return { ok: false, problem: '- the answer was not valid JSON (it must be one complete JSON object and nothing else)' };
  }
  const result = FeedbackSchema.safeParse(value);
  if (!result.success) return { ok: false, problem: describeProblems(result.error) };
  return { ok: true, feedback: result.data };
}

// Models asked for JSON in the prompt alone often wrap it in ```json … ```.
function withoutCodeFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(text);
  return fenced ? fenced[1]! : text;
}

interface ExplainContext {
  sdk: OpenAISdk;
  provider: string;
  model: string;
  timeoutMs: number;
  deadline: AbortSignal;
  apiKey: string;
}

/** Any failure as a feedbackFailed error with a message built from fixed text: no key, no provider text. */
function explain(err: unknown, ctx: ExplainContext): HttpError {
  const error = toFailure(err, ctx);
  if (redactor([ctx.apiKey])(error.message) !== error.message) {
    return upstream(`${ctx.provider} could not produce feedback; nothing was saved.`, error.details);
  }
  return error;
}

function toFailure(err: unknown, { sdk, provider, model, timeoutMs, deadline }: ExplainContext): HttpError {
  if (isHttpError(err, 'upstream')) return err;
  const nothingSaved = 'nothing was saved';

  if (err instanceof sdk.APIConnectionTimeoutError || deadline.aborted) {
    return feedbackFailed('timeout', `${provider} did not finish within ${Number((timeoutMs / 1000).toFixed(1))} s; ${nothingSaved}. Try again, or choose a faster model in Settings → Keys.`);
  }
  if (err instanceof sdk.APIUserAbortError) return feedbackFailed('cancelled', `Feedback generation was cancelled; ${nothingSaved}.`);
  const tooLarge = findCause(err, 'ResponseTooLargeError');
  if (tooLarge) return feedbackFailed('provider_error', `${provider} sent ${tooLarge.message}; ${nothingSaved}. Check the base URL in Settings → Keys.`);
  if (err instanceof sdk.APIConnectionError) {
    const unsafe = findCause(err, 'UnsafeUrlError');
    if (unsafe) return feedbackFailed('unreachable', `Could not reach ${provider}: ${unsafe.message}; ${nothingSaved}. Check the base URL in Settings → Keys.`);
    return feedbackFailed('unreachable', `Could not reach ${provider}; ${nothingSaved}. Check the base URL in Settings → Keys, or try again later.`);
  }
  if (err instanceof sdk.APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 401) return feedbackFailed('key_rejected', `${provider} rejected the API key; ${nothingSaved}. Check it in Settings → Keys.`);
    if (status === 403) return feedbackFailed('forbidden', `${provider} refused this key (HTTP 403); ${nothingSaved}. Check its permissions in Settings → Keys.`);
    if (status === 404) return feedbackFailed('model_not_found', `${provider} does not offer the model "${model}" (HTTP 404); ${nothingSaved}. Choose another in Settings → Keys.`);
    if (status === 429) return feedbackFailed('rate_limited', `${provider} is rate-limiting this key or it has no credit left (HTTP 429); ${nothingSaved}. Try again later.`);
    if (status >= 400 && status < 500) {
      return feedbackFailed('request_rejected', `${provider} refused the request (HTTP ${status}); ${nothingSaved}. The model "${model}" may not support this; choose another in Settings → Keys.`);
    }
    return feedbackFailed('provider_error', `${provider} had a problem (HTTP ${status}); ${nothingSaved}. Try again in a moment.`);
  }
  return feedbackFailed('provider_error', `${provider} did not answer like an OpenAI-compatible API; ${nothingSaved}. Check the base URL in Settings → Keys.`);
}

function findCause(err: unknown, name: string): Error | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.name === name) return e;
  return undefined;
}
