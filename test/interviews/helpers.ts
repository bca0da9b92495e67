import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import type { Client } from '../helpers/client.ts';

export const LLM_KEY = 'sk-interview-test-key-1234';

/** A fake model that asks one question per turn, so stages only move on by time or skips. */
export function startInterviewModel(): Promise<FakeOpenAI> {
  let n = 0;
  return startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: () => `Question ${++n}: tell me more about that?` });
}

/** Saves a text-mode key set pointing at the fake model. */
export async function saveTextKeys(client: Client, llmUrl: string, key = LLM_KEY): Promise<void> {
  const reply = await client.api('PUT', '/api/keys', { openai_key: key, llm_base_url: llmUrl, llm_model: 'fake-model' });
  if (reply.status !== 200) throw new Error(`saving keys answered ${reply.status}: ${reply.text}`);
}

export const START_TEXT = {
  candidate_name: 'Ada Lovelace',
  job_role: 'Backend Engineer',
  experience_level: 'senior',
  mode: 'text',
};

export function sessionHeaders(client: Client): Record<string, string> {
  return { cookie: client.cookieHeader() };
}
