// The real child refuses, in production, to connect to an LLM base URL on a disallowed address
// even though nothing checked it first (the server's check can be outrun by a changed DNS
// answer): the start fails with a plain error, and the address is never sent a request.

import { afterEach, describe, expect, it } from 'vitest';
import type { StartMessage } from '../../agent/protocol.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { forkAgent, type AgentChild } from './fork.ts';

const KEY = 'sk-guard-key-7f3a9c21';
let fake: FakeOpenAI | undefined;
let agent: AgentChild | undefined;

afterEach(async () => {
  if (agent && agent.process.exitCode === null) agent.process.kill('SIGKILL');
  await fake?.close();
  fake = agent = undefined;
});

function start(url: string): StartMessage {
  return {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey: KEY, llmBaseUrl: url, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: { interviewId: 'iv-guard', candidateName: 'Ana Ruiz', jobRole: 'Data Analyst', experienceLevel: 'junior' },
  };
}

describe('agent child: LLM base URL guard', () => {
  it('in production refuses a loopback LLM base URL before ready, and never sends it a request', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    expect(new URL(fake.url).hostname).toBe('127.0.0.1');
    agent = forkAgent('advanced', [], { NODE_ENV: 'production' });
    agent.send(start(fake.url));

    const error = await agent.next('error');
    expect(error).toEqual({
      type: 'error',
      provider: 'llm',
      message: 'The LLM base URL points to a loopback address (127.0.0.1), which cannot be used — change it in Settings → Keys.',
    });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(await agent.exited).toBe(0);
    expect(agent.messages.map((m) => m.type)).toEqual(['error', 'ended']);
    expect(fake.requests).toEqual([]);
    expect(agent.stderr()).not.toContain(KEY);
  });

  it('outside production the same loopback URL is used (a local model server)', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    agent = forkAgent('advanced', [], { NODE_ENV: 'development' });
    agent.send(start(fake.url));

    await agent.next('ready');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /v1/models');
    agent.send({ type: 'stop', reason: 'candidate' });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'candidate' });
  });
});
