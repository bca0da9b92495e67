// The start-up connection check of the user's LLM (GET /models, before `ready`): a refused key
// and an address where nothing answers are problems; any other answer means the address is right.

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailure } from '../../agent/errors.ts';
import type { ProviderKeys } from '../../agent/protocol.ts';
import { checkLlmConnection } from '../../agent/llm-check.ts';
import { InterviewLLM } from '../../agent/session.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';

const KEY = 'sk-check-key-123456';
const keys = (llmBaseUrl: string, llmApiKey = KEY): ProviderKeys => ({ llmApiKey, llmBaseUrl, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' });

let fake: FakeOpenAI | undefined;
let model: InterviewLLM | undefined;
afterEach(async () => {
  await model?.aclose();
  await fake?.close();
  fake = model = undefined;
});

describe('LLM connection check', () => {
  it('passes when the provider lists its models with this key', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    model = new InterviewLLM(keys(fake.url));
    expect(await model.checkConnection()).toBeUndefined();
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.authorized}`)).toEqual(['GET /v1/models true']);
  });

  it('finds a refused key', async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-the-right-key-999' });
    model = new InterviewLLM(keys(fake.url));
    const problem = await model.checkConnection();
    expect(problem?.kind).toBe('key_rejected');
    expect(describeFailure('llm', problem!.error, keys(fake.url)).message).toMatch(/^The LLM provider \(127\.0\.0\.1:\d+\) rejected the key/);
  });

  it('finds an address where nothing listens, and says so', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    model = new InterviewLLM(keys(url));
    const problem = await model.checkConnection();
    expect(problem?.kind).toBe('unreachable');
    expect(describeFailure('llm', problem!.error, keys(url)).message).toBe(
      `The LLM provider could not be reached at ${new URL(url).host} (connection refused) — check the base URL in Settings → Keys.`,
    );
  });

  it('calls a provider that accepts the connection but never answers unreachable', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, hang: true });
    model = new InterviewLLM(keys(fake.url), { checkTimeoutMs: 300 });
    const problem = await model.checkConnection();
    expect(problem?.kind).toBe('unreachable');
    expect(describeFailure('llm', problem!.error, keys(fake.url)).message).toContain('(no answer in time)');
  });

  it('lets the interview start when the server answers but has no model list', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    // GET /elsewhere/models answers 404: something is there, so the address is not the problem.
    model = new InterviewLLM(keys(fake.url.replace(/\/v1$/, '/elsewhere')));
    expect(await model.checkConnection()).toBeUndefined();
    expect(fake.requests.map((r) => r.path)).toEqual(['/elsewhere/models']);
  });

  it('reports nothing when the model is closed while the check is waiting', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, hang: true });
    model = new InterviewLLM(keys(fake.url));
    const checking = model.checkConnection();
    await model.aclose();
    expect(await checking).toBeUndefined();
  });

  it('uses the check the child started when `start` arrived, instead of asking again', async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-the-right-key-999' });
    const early = checkLlmConnection(keys(fake.url));
    model = new InterviewLLM(keys(fake.url), { check: early });
    expect((await model.checkConnection())?.kind).toBe('key_rejected');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/models']);
  });

  it('asks OpenAI itself when no base URL is saved, whatever slashes a saved one ends with', async () => {
    const asked: string[] = [];
    const record: typeof fetch = async (input) => {
      asked.push(String(input));
      return new Response('{}', { status: 200 });
    };
    await checkLlmConnection({ llmApiKey: KEY, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' }, { fetch: record });
    await checkLlmConnection(keys('https://llm.example.test/v1//'), { fetch: record });
    expect(asked).toEqual(['https://api.openai.com/v1/models', 'https://llm.example.test/v1/models']);
  });

  it('keeps the network error behind the last failed call (the SDK error for a model call leaves it out)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    model = new InterviewLLM(keys(url));
    await model.checkConnection();
    expect((model.lastNetworkError as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
