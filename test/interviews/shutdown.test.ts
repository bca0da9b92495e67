import { rm } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { seededDataDir } from '../helpers/databases.ts';
import { childProcesses, isRunning, spawnServer, type ServerProcess } from '../helpers/processes.ts';
import { signInLocally } from '../helpers/session.ts';
import { openEvents } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';
import { saveTextKeys, START_TEXT, startInterviewModel } from './helpers.ts';

let llm: FakeOpenAI | undefined;
const dirs: string[] = [];
const servers: ServerProcess[] = [];
const leftovers: number[] = [];
afterAll(async () => {
  // A failed assertion must not leave a server (and its children) running.
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  for (const pid of leftovers) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await llm?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('SIGTERM with live interviews', () => {
  it('stops every child, keeps their lines, marks them shutdown, and exits 0 leaving no process behind', async () => {
    llm = await startInterviewModel();
    const dataDir = await seededDataDir('mockflow-shutdown-');
    dirs.push(dataDir);
    // The production build: what a SIGTERM stops in production.
    const server = await spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' }, 30_000, true);
    servers.push(server);
    const user = await signInLocally(request.agent(server.url));
    const { agent, token } = user;
    await saveTextKeys(user, llm.url);
    const started = await agent.post('/api/interviews').set('x-csrf-token', token).send(START_TEXT);
    expect(started.status, started.text).toBe(201);
    const { id } = started.body;
    const stream = await openEvents(`${server.url}/api/interviews/${id}/events`, { cookie: user.cookie });
    await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'Hello from before the restart.' });
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && e.data.text.startsWith('Question'));
    // The line carries the server's own pid first (pino's base) and the child's last: JSON.parse keeps the last.
    const startedLine = server.output().split('\n').find((line) => line.includes('"msg":"interview started"'));
    expect(startedLine).toBeDefined();
    const childPid = (JSON.parse(startedLine!) as { pid: number }).pid;
    expect(childPid).not.toBe(server.child.pid);
    // The interview's child and the warm spare forked for the next interview (on by default).
    const serverPid = server.child.pid!;
    const agentChildren = () => childProcesses(serverPid).filter((c) => c.command.includes('agent/main'));
    await waitFor(() => agentChildren().length === 2, { explain: () => `two agent children; running: ${JSON.stringify(agentChildren())}`, timeoutMs: 20_000 });
    const children = childProcesses(serverPid);
    leftovers.push(...children.map((c) => c.pid));
    expect(children.map((c) => c.pid)).toContain(childPid);

    server.child.kill('SIGTERM');
    const ended = await stream.next((e) => e.event === 'ended', { timeoutMs: 15_000 });
    expect(ended.data.reason).toBe('shutdown');
    expect(await server.exited).toBe(0);
    // No process the server started outlives it: neither agent child, nor anything else.
    expect(children.filter((c) => isRunning(c.pid))).toEqual([]);
    stream.close();

    const again = await spawnServer({ DATA_DIR: dataDir }, 30_000, true);
    servers.push(again);
    const record = (await request(again.url).get(`/api/interviews/${id}`).set('cookie', user.cookie).expect(200)).body;
    expect(record).toMatchObject({ status: 'ended', endedBy: 'shutdown' });
    expect(record.items.map((i: { text: string }) => i.text)).toContain('Hello from before the restart.');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);
});
