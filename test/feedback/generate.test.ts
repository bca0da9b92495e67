import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_FEEDBACK_TIMEOUT_MS,
  generateFeedback,
  INVALID_TWICE_MESSAGE,
  parseFeedback,
  toFeedbackData,
  type FeedbackProgress,
  type GenerateFeedbackOptions,
} from '../../server/feedback/generate.ts';
import { HttpError, isHttpError } from '../../server/http/errors.ts';
import { guardedFetch } from '../../shared/guarded-fetch.ts';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../fakes/openai-llm.ts';
import { INTERVIEWER_LINE, interview, validFeedback } from './fixture.ts';

const KEY = 'sk-feedback-marker-7c1e9a42';
const MODEL = 'gpt-4o-mini';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startFake(options: FakeOpenAIOptions): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ apiKey: KEY, ...options });
  return fake;
}

function options(url: string, extra: Partial<GenerateFeedbackOptions> = {}): GenerateFeedbackOptions {
  return { llm: { apiKey: KEY, baseURL: url, model: MODEL }, interview, ...extra };
}

const valid = () => JSON.stringify(validFeedback());

/** The feedback failure `promise` rejects with: its message and its reason (for the log). */
async function failure(promise: Promise<unknown>): Promise<{ message: string; reason: unknown }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ status: 502, code: 'upstream' });
  const failed = err as HttpError;
  expect(failed.message).not.toContain(KEY);
  return { message: failed.message, reason: failed.details?.reason };
}

const formatOf = (f: FakeOpenAI, i: number) => (f.requests[i]?.body?.response_format as { type?: string } | undefined)?.type;

describe('generating feedback', () => {
  it('returns a valid structured answer with analytics computed by code', async () => {
    const f = await startFake({ replies: [valid()] });
    const progress: FeedbackProgress[] = [];
    const result = await generateFeedback(options(f.url, { onProgress: (p) => progress.push(p) }));

    expect(result.feedback).toEqual(validFeedback());
    expect(result).toMatchObject({ model: MODEL, attempts: 1, droppedQuotes: 0 });
    expect(result.analytics.answers.count).toBe(4);
    expect(result.analytics.fillerWords?.byWord).toMatchObject({ um: 1, 'you know': 1 });
    expect(progress).toEqual(['analysing', 'asking_model', 'checking_quotes']);

    expect(f.requests).toHaveLength(1);
    const body = f.requests[0]!.body!;
    expect(body.model).toBe(MODEL);
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'interview_feedback', strict: true, schema: { type: 'object', additionalProperties: false } },
    });
    const [system, user] = body.messages!;
    expect(system?.content).toMatch(/mid-level Frontend Engineer/);
    expect(system?.content).toMatch(/copy words exactly/i);
    expect(user?.content).toContain('## Past experience (past_experience)');
    expect(user?.content).toContain('Candidate: I did the stuff.');
    expect(user?.content).toContain(`Interviewer: ${INTERVIEWER_LINE}`);
  });

  it('retries once after malformed JSON, telling the model what was wrong', async () => {
    const f = await startFake({ replies: ['{"overall": {"score": 4, "headl', valid()] });
    const progress: FeedbackProgress[] = [];
    const result = await generateFeedback(options(f.url, { onProgress: (p) => progress.push(p) }));

    expect(result.attempts).toBe(2);
    expect(result.feedback.overall.score).toBe(3);
    expect(progress).toEqual(['analysing', 'asking_model', 'retrying', 'checking_quotes']);
    const retry = f.requests[1]!.body!.messages!;
    expect(retry).toHaveLength(4);
    expect(retry[2]).toMatchObject({ role: 'assistant', content: '{"overall": {"score": 4, "headl' });
    expect(retry[3]?.content).toMatch(/not valid JSON/);
  });

  it('fails with a plain message after two malformed answers', async () => {
    const f = await startFake({ replies: ['not json', '```json\n{"oops": true\n```'] });
    const err = await failure(generateFeedback(options(f.url)));
    expect(err.message).toBe(INVALID_TWICE_MESSAGE);
    expect(err.reason).toBe('invalid_output');
    expect(f.requests).toHaveLength(2);
  });

  it('retries once after an answer that breaks the schema (a score of 7)', async () => {
    const spoiled = validFeedback();
    spoiled.overall.score = 7;
    const f = await startFake({ replies: [JSON.stringify(spoiled), valid()] });
    const result = await generateFeedback(options(f.url));
    expect(result.attempts).toBe(2);
    expect(result.feedback.overall.score).toBe(3);
    expect(f.requests[1]!.body!.messages!.at(-1)?.content).toMatch(/overall\.score/);
  });

  it('falls back to JSON mode, with the schema in the prompt, when the provider refuses json_schema', async () => {
    const f = await startFake({
      replies: [{ status: 400, message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model." }, valid()],
    });
    const result = await generateFeedback(options(f.url));
    expect(result.attempts).toBe(1);
    expect(result.feedback).toEqual(validFeedback());
    expect(f.requests).toHaveLength(2);
    expect(formatOf(f, 0)).toBe('json_schema');
    expect(formatOf(f, 1)).toBe('json_object');
    const system = String(f.requests[1]!.body!.messages![0]?.content);
    expect(system).toMatch(/conforms to this JSON Schema/);
    expect(system).toContain('"evidenceQuote"');
  });

  it('falls back to asking in the prompt alone when JSON mode is refused too, and reads a fenced answer', async () => {
    const f = await startFake({
      replies: [
        { status: 400, message: 'response_format json_schema is not supported' },
        { status: 400, message: 'response_format json_object is not supported' },
        `\`\`\`json\n${valid()}\n\`\`\``,
      ],
    });
    const result = await generateFeedback(options(f.url));
    expect(result.attempts).toBe(1);
    expect(formatOf(f, 2)).toBeUndefined();
  });

  it('does not fall back on a 400 about something else', async () => {
    const f = await startFake({ replies: [{ status: 400, message: "This model's maximum context length is 8192 tokens." }] });
    const err = await failure(generateFeedback(options(f.url)));
    expect(err.reason).toBe('request_rejected');
    expect(err.message).not.toMatch(/context length/); // never the provider's own text
    expect(f.requests).toHaveLength(1);
  });

  it('names the provider when it rejects the key, and never shows the key', async () => {
    const f = await startFake({ apiKey: 'sk-the-right-one' });
    const err = await failure(generateFeedback(options(f.url)));
    expect(err.reason).toBe('key_rejected');
    expect(err.message).toContain(new URL(f.url).host);
    expect(err.message).toMatch(/rejected the API key/);
    expect(err.message).not.toMatch(/Incorrect API key/);
  });

  it('says less rather than repeat a key pasted as the model name', async () => {
    const f = await startFake({ replies: [{ status: 404 }] });
    const err = await failure(generateFeedback({ ...options(f.url), llm: { apiKey: KEY, baseURL: f.url, model: KEY } }));
    expect(err).toEqual({ reason: 'model_not_found', message: `${new URL(f.url).host} could not produce feedback; nothing was saved.` });
  });

  it('refuses a transcript with fewer than 3 answers without calling the model', async () => {
    const f = await startFake({ replies: [valid()] });
    const short = { ...interview, items: interview.items.slice(0, 4) }; // two answers
    const err = await generateFeedback(options(f.url, { interview: short })).catch((e: unknown) => e);
    expect(isHttpError(err, 'too_short')).toBe(true);
    expect(err).toMatchObject({ status: 422, details: { answers: 2, needed: 3 } });
    expect((err as HttpError).message).toMatch(/at least 3 answers/);
    expect(f.requests).toHaveLength(0);
  });

  it('drops a quote the candidate never said', async () => {
    const answer = validFeedback();
    answer.competencies[1]!.evidenceQuote = 'I single-handedly designed the architecture';
    answer.strengths[0]!.quote = INTERVIEWER_LINE;
    const f = await startFake({ replies: [JSON.stringify(answer)] });
    const result = await generateFeedback(options(f.url));
    expect(result.droppedQuotes).toBe(2);
    expect(result.feedback.competencies[1]!.evidenceQuote).toBeNull();
    expect(result.feedback.strengths[0]!.quote).toBeNull();
    expect(result.feedback.competencies[0]!.evidenceQuote).toBe('conversion went up by twelve percent');
  });

  it('fails plainly when the provider cannot be reached', async () => {
    const url = await closedPortUrl();
    const err = await failure(generateFeedback(options(url)));
    expect(err.reason).toBe('unreachable');
    expect(err.message).toMatch(/^Could not reach 127\.0\.0\.1:\d+; nothing was saved/);
  });

  it('fails plainly when the provider does not answer in time', async () => {
    const f = await startFake({ hang: true });
    const err = await failure(generateFeedback(options(f.url, { timeoutMs: 300 })));
    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/^127\.0\.0\.1:\d+ did not finish within 0\.3 s; nothing was saved/);
  });

  it('bounds the whole generation, retry included, by one budget of under a minute', async () => {
    // Feedback is promised within a minute; the default leaves time to save and show it.
    expect(DEFAULT_FEEDBACK_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    // An unusable answer after most of the budget, then a retry that never answers: the retry
    // gets only what is left, not a fresh timeout of its own.
    const f = await startFake({ replies: [{ content: 'not json', delayMs: 1000 }], defaultReply: { content: valid(), delayMs: 60_000 } });
    const started = Date.now();
    const err = await failure(generateFeedback(options(f.url, { timeoutMs: 1500 })));
    const elapsed = Date.now() - started;
    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/^127\.0\.0\.1:\d+ did not finish within 1\.5 s; nothing was saved/);
    expect(f.requests).toHaveLength(2);
    // 1 s for the first answer + 1.5 s for a retry with its own clock would be 2.5 s.
    expect(elapsed).toBeLessThan(2300);
  });

  it('explains a base URL the guarded fetch refuses', async () => {
    const f = await startFake({ replies: [valid()] });
    const err = await failure(generateFeedback(options(f.url, { fetch: guardedFetch({ production: true }) })));
    expect(err.reason).toBe('unreachable');
    expect(err.message).toMatch(/loopback/);
    expect(err.message).toMatch(/nothing was saved/);
    expect(f.requests).toHaveLength(0);
  });

  it('uses the fetch it is given for every call', async () => {
    const f = await startFake({ replies: ['nope', valid()] });
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    await generateFeedback(options(f.url, { fetch: recording }));
    expect(calls).toEqual([`${f.url}/chat/completions`, `${f.url}/chat/completions`]);
  });

  it('builds the stored shape', async () => {
    const f = await startFake({ replies: [valid()] });
    const result = await generateFeedback(options(f.url));
    const data = toFeedbackData(result, new Date('2025-03-01T10:00:00Z'));
    expect(data).toEqual({
      version: 1,
      generatedAt: '2025-03-01T10:00:00.000Z',
      model: MODEL,
      feedback: result.feedback,
      analytics: result.analytics,
      droppedQuotes: 0,
    });
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe('reading the model’s answer', () => {
  it('accepts plain or fenced JSON and explains what is wrong otherwise', () => {
    expect(parseFeedback(valid()).ok).toBe(true);
    expect(parseFeedback(`\`\`\`\n${valid()}\n\`\`\``).ok).toBe(true);
    expect(parseFeedback(null)).toEqual({ ok: false, problem: '- the answer was empty' });
    expect(parseFeedback('{"overall": 1}')).toMatchObject({ ok: false, problem: expect.stringMatching(/overall/) });
  });
});

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
