// The real child process, forked as the server forks it, in text mode against a local
// OpenAI-compatible fake (streaming chat completions over HTTP).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartMessage } from '../../agent/protocol.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { forkAgent, type AgentChild } from './fork.ts';

const KEY = 'sk-test-key-123456';
let fake: FakeOpenAI | undefined;
let agent: AgentChild | undefined;

afterEach(async () => {
  if (agent && agent.process.exitCode === null) agent.process.kill('SIGKILL');
  await fake?.close();
  fake = agent = undefined;
});

function start(url: string, key = KEY): StartMessage {
  return {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey: key, llmBaseUrl: url, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: { interviewId: 'iv-7', candidateName: 'Ana Ruiz', jobRole: 'Data Analyst', experienceLevel: 'junior' },
  };
}

describe('agent child process (text mode)', () => {
  it('start → ready → greeting → user_text → reply → stop → ended, exit 0', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Nice to meet you, Ana. What drew you to data analysis?' });
    agent = forkAgent();
    agent.send(start(fake.url));

    const ready = await agent.next('ready');
    expect(ready.ms).toBeGreaterThan(0);
    agent.send({ type: 'user_text', text: "I'm doing well, thanks!" });

    await waitForItems(agent, 3);
    const items = agent.messages.flatMap((m) => (m.type === 'item' ? [m.item] : []));
    expect(items[0]).toMatchObject({ role: 'assistant', stage: 'welcome' });
    expect(items[0]!.text).toMatch(/^Hi Ana, I'm Alex/);
    expect(items[1]).toMatchObject({ role: 'user', text: "I'm doing well, thanks!", stage: 'welcome' });
    expect(items[2]).toMatchObject({ role: 'assistant', text: 'Nice to meet you, Ana. What drew you to data analysis?' });

    const chat = fake.requests.find((r) => r.path === '/v1/chat/completions');
    expect(chat?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(JSON.stringify(chat?.body?.tools)).toContain('advance_stage');

    agent.send({ type: 'stop', reason: 'candidate' });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'candidate' });
    expect(await agent.exited).toBe(0);
    expect(agent.messages.at(-1)?.type).toBe('ended');
    expect(agent.stderr()).not.toContain(KEY);
  });

  it('reports a rejected LLM key as one error naming the LLM, then ends with error', async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-the-right-key-999' });
    agent = forkAgent('json');
    agent.send(start(fake.url, 'sk-wrong-key-000000'));
    await agent.next('ready');
    agent.send({ type: 'user_text', text: 'hello' });

    const error = await agent.next('error');
    expect(error.provider).toBe('llm');
    expect(error.message).toContain('LLM');
    expect(error.message).toContain('rejected the key');
    expect(error.message).not.toContain('sk-wrong');
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(agent.messages.filter((m) => m.type === 'error')).toHaveLength(1);
    expect(await agent.exited).toBe(0);
    expect(agent.stderr()).not.toContain('sk-wrong-key-000000');
  });

  it('rejects an invalid start message without echoing it', async () => {
    agent = forkAgent();
    agent.send({ ...start('http://127.0.0.1:9/v1'), interview: { interviewId: 'x' } } as unknown as StartMessage);
    const error = await agent.next('error');
    expect(error.message).toMatch(/^Invalid start message/);
    expect(error.message).not.toContain(KEY);
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(await agent.exited).toBe(0);
  });

  it('exits by itself when its parent dies', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY });
    const parent = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/parent.ts', import.meta.url)), fake.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    expect(isAlive(childPid)).toBe(true);

    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(childPid)).toBe(false);
  });
});

async function waitForItems(child: AgentChild, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (child.messages.filter((m) => m.type === 'item').length < count) {
    if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(child.messages)}; stderr: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
