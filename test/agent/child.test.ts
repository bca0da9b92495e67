// The real child process, forked as the server forks it, in text mode against a local
// OpenAI-compatible fake (streaming chat completions over HTTP).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildMessage, StartMessage } from '../../agent/protocol.ts';
import { CONNECTION_OPTIONS } from '../../agent/session.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { waitFor } from '../helpers/wait.ts';
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

  it('reports a rejected LLM key before ready: one error naming the LLM, then ended with error', async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-the-right-key-999' });
    agent = forkAgent('json');
    agent.send(start(fake.url, 'sk-wrong-key-000000'));
    // The start-up check found it: the start fails (no `ready`) before any model call.
    const error = await agent.next('error');
    expect(error.provider).toBe('llm');
    expect(error.message).toContain('LLM');
    expect(error.message).toContain('rejected the key');
    expect(error.message).not.toContain('sk-wrong');
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(await agent.exited).toBe(0);
    expect(types(agent.messages)).toEqual(['error', 'ended']);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/models']);
    expect(agent.stderr()).not.toContain('sk-wrong-key-000000');
  });

  it('reports an LLM address where nothing listens before ready: one error naming the LLM and the host, then ended, and exits', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    agent = forkAgent();
    agent.send(start(url));

    const error = await agent.next('error');
    expect(error.provider).toBe('llm');
    expect(error.message).toBe(`The LLM provider could not be reached at ${new URL(url).host} (connection refused) — check the base URL in Settings → Keys.`);
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(await agent.exited).toBe(0);
    expect(types(agent.messages)).toEqual(['error', 'ended']);
    expect(agent.stderr()).not.toContain(KEY);
  });

  it('pauses when the LLM starts answering 503 mid-interview, after a few quick retries, and carries on when the candidate tries again', async () => {
    let failing = false;
    fake = await startFakeOpenAI({
      apiKey: KEY,
      defaultReply: (body) =>
        failing
          ? { status: 503, message: `Service unavailable for key ${KEY}` }
          : JSON.stringify(body.messages?.at(-1)).includes('statistics')
            ? 'Statistics! What did you like most about it?'
            : 'Nice to meet you, Ana. Tell me about yourself.',
    });
    agent = forkAgent();
    agent.send(start(fake.url));
    await agent.next('ready');
    agent.send({ type: 'user_text', text: 'Doing well.' });
    await waitForItems(agent, 3);
    const answered = fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
    failing = true;
    agent.send({ type: 'user_text', text: 'I studied statistics.' });

    const paused = await agent.next('paused');
    expect(paused).toEqual({
      type: 'paused',
      provider: 'llm',
      message: `The LLM provider (${new URL(fake.url).host}) answered HTTP 503 (a problem on the provider's side) — try again in a moment.`,
      endsAt: expect.any(Number),
    });
    // The failing call and its retries — not the SDK's default of several turns.
    expect(fake.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(answered + CONNECTION_OPTIONS.llmConnOptions.maxRetry + 1);
    expect(agent.messages.some((m) => m.type === 'ended' || m.type === 'error')).toBe(false);

    failing = false;
    agent.send({ type: 'retry' });
    await agent.next('resumed');
    const items = agent.messages.flatMap((m) => (m.type === 'item' ? [m.item] : []));
    // The answer was kept: said once, and the reply to it came after the retry.
    expect(items.slice(3).map((i) => [i.role, i.text])).toEqual([
      ['user', 'I studied statistics.'],
      ['assistant', 'Statistics! What did you like most about it?'],
    ]);
    agent.send({ type: 'stop', reason: 'candidate' });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'candidate' });
    expect(agent.stderr()).not.toContain(KEY);
  });

  it('ends with the reason when the LLM stays away (connection refused) for the whole pause limit', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Nice to meet you, Ana. Tell me about yourself.' });
    const host = new URL(fake.url).host;
    agent = forkAgent();
    const message = start(fake.url);
    agent.send({ ...message, interview: { ...message.interview, providerPauseSeconds: 1 } });
    await agent.next('ready');
    agent.send({ type: 'user_text', text: 'Doing well.' });
    await waitForItems(agent, 3);
    await fake.close(); // nothing listens on that port any more
    fake = undefined;
    agent.send({ type: 'user_text', text: 'I studied statistics.' });

    const reason = `The LLM provider could not be reached at ${host} (connection refused) — check the base URL in Settings → Keys.`;
    expect(await agent.next('paused')).toMatchObject({ provider: 'llm', message: reason });
    agent.send({ type: 'retry' }); // still down: paused again, same deadline
    const error = await agent.next('error');
    expect(error).toEqual({ type: 'error', provider: 'llm', message: reason });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'error' });
    expect(await agent.exited).toBe(0);
    expect(agent.messages.filter((m) => m.type === 'error')).toHaveLength(1);
  });

  it('rides out a single 500 from the LLM: the retry answers and the interview goes on', async () => {
    fake = await startFakeOpenAI({
      apiKey: KEY,
      replies: [{ status: 500 }, 'Nice to meet you, Ana. What brought you to data?', 'Tell me about a project you are proud of.'],
    });
    agent = forkAgent();
    agent.send(start(fake.url));
    await agent.next('ready');
    agent.send({ type: 'user_text', text: 'Doing well.' });
    await waitForItems(agent, 3);
    agent.send({ type: 'user_text', text: 'Curiosity about numbers.' });
    await waitForItems(agent, 5);

    const items = agent.messages.flatMap((m) => (m.type === 'item' ? [m.item] : []));
    expect(items.slice(1).map((i) => [i.role, i.text])).toEqual([
      ['user', 'Doing well.'],
      ['assistant', 'Nice to meet you, Ana. What brought you to data?'],
      ['user', 'Curiosity about numbers.'],
      ['assistant', 'Tell me about a project you are proud of.'],
    ]);
    expect(fake.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(3);
    agent.send({ type: 'stop', reason: 'candidate' });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'candidate' });
    expect(agent.messages.some((m) => m.type === 'error')).toBe(false);
    expect(await agent.exited).toBe(0);
  });

  it('moves to the next stage on skip_stage from the parent, and to a named later stage', async () => {
    fake = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me a little about yourself.' });
    agent = forkAgent();
    agent.send(start(fake.url));
    await agent.next('ready');
    await waitForItems(agent, 1);

    agent.send({ type: 'skip_stage' });
    expect(await agent.next('stage')).toMatchObject({ stage: 'self_intro', previous: 'welcome', skipped: ['welcome'], by: 'candidate' });
    // The interviewer speaks first in the new stage.
    await waitForItems(agent, 2);
    expect(agent.messages.flatMap((m) => (m.type === 'item' ? [m.item] : []))[1]).toMatchObject({
      role: 'assistant',
      stage: 'self_intro',
      text: 'Tell me a little about yourself.',
    });

    agent.send({ type: 'skip_stage', stage: 'company_fit' });
    await waitFor(() => agent!.messages.filter((m) => m.type === 'stage').length === 2, {
      on: [agent.process, 'message'],
      explain: () => `a second stage message; got ${JSON.stringify(types(agent!.messages))}`,
    });
    expect(agent.messages.filter((m) => m.type === 'stage').at(-1)).toMatchObject({
      stage: 'company_fit',
      previous: 'self_intro',
      skipped: ['welcome', 'self_intro', 'past_experience'],
      by: 'candidate',
    });
    await waitForItems(agent, 3);
    expect(agent.messages.flatMap((m) => (m.type === 'item' ? [m.item] : []))[2]).toMatchObject({ role: 'assistant', stage: 'company_fit' });

    agent.send({ type: 'stop', reason: 'candidate' });
    expect(await agent.next('ended')).toEqual({ type: 'ended', reason: 'candidate' });
    expect(await agent.exited).toBe(0);
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
    await waitFor(() => !isAlive(childPid), { explain: 'the child to exit after its parent', timeoutMs: 10_000 });
  });
});

async function waitForItems(child: AgentChild, count: number): Promise<void> {
  await waitFor(() => child.messages.filter((m) => m.type === 'item').length >= count, {
    on: [child.process, 'message'],
    explain: () => `${count} items; only ${JSON.stringify(child.messages)}; stderr: ${child.stderr()}`,
  });
}

function types(messages: ChildMessage[]): string[] {
  return messages.map((m) => m.type);
}

/** A port on 127.0.0.1 that was just free: nothing listens there, so a connection is refused. */
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
