import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import type { TestApp } from '../helpers/app.ts';
import { signInLocally, type SignedIn } from '../helpers/session.ts';
import { openEvents, type SseStream } from '../helpers/sse.ts';

export const LLM_KEY = 'sk-interview-test-key-1234';

/** A fake model that asks one question per turn, so stages only move on by time or skips. */
export function startInterviewModel(): Promise<FakeOpenAI> {
  let n = 0;
  return startFakeOpenAI({ apiKey: LLM_KEY, defaultReply: () => `Question ${++n}: tell me more about that?` });
}

/** Saves a text-mode key set pointing at the fake model. */
export async function saveTextKeys({ agent, token }: SignedIn, llmUrl: string, key = LLM_KEY): Promise<void> {
  const saved = await agent.put('/api/keys').set('x-csrf-token', token).send({ openai_key: key, llm_base_url: llmUrl, llm_model: 'fake-model' });
  if (saved.status !== 200) throw new Error(`saving keys answered ${saved.status}: ${saved.text}`);
}

export const START_TEXT = {
  candidate_name: 'Ada Lovelace',
  job_role: 'Backend Engineer',
  experience_level: 'senior',
  mode: 'text',
};

/** The local user with text keys for the fake model at `llmUrl`, in a text interview just started, its event stream open. */
export async function startTextInterview(app: TestApp, llmUrl: string): Promise<SignedIn & { id: string; stream: SseStream }> {
  const user = await signInLocally(app);
  await saveTextKeys(user, llmUrl);
  const started = await user.agent.post('/api/interviews').set('x-csrf-token', user.token).send(START_TEXT);
  if (started.status !== 201) throw new Error(`starting answered ${started.status}: ${started.text}\n${app.logs.text().slice(-3000)}`);
  const id: string = started.body.id;
  return { ...user, id, stream: await openEvents(`${app.url}/api/interviews/${id}/events`, { cookie: user.cookie }) };
}
