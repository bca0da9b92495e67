// Forks the real agent child: the bundle of the current sources the run made (as `npm run build`
// makes it; test/setup/agent-bundle.ts), an allow-listed environment, messages over IPC. Light on
// purpose (no SDK import).

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundledAgent } from '../helpers/agent.ts';
import { waitFor } from '../helpers/wait.ts';
import type { ChildMessage, ParentMessage } from '../../agent/protocol.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AgentChild {
  process: ChildProcess;
  messages: ChildMessage[];
  send(message: ParentMessage): void;
  /** The first message of this type (already received or still to come). */
  next<T extends ChildMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<ChildMessage, { type: T }>>;
  exited: Promise<number | null>;
  stderr(): string;
}

/** `env` adds to the allow-listed variables, e.g. { NODE_ENV: 'production' } (which the server passes on). */
export function forkAgent(serialization: 'json' | 'advanced' = 'advanced', extraExecArgv: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): AgentChild {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name];
  Object.assign(env, extraEnv);
  const agent = bundledAgent();
  const child = fork(agent.path, [], {
    cwd: ROOT,
    execArgv: [...extraExecArgv, ...agent.execArgv],
    env,
    serialization,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: ChildMessage[] = [];
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.on('message', (message: ChildMessage) => messages.push(message));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    process: child,
    messages,
    send: (message) => child.send(message),
    // Generous: the first message includes the child's start-up, slow on a busy 2-core machine.
    next: (type, timeoutMs = 25_000) =>
      waitFor(() => messages.find((m): m is Extract<ChildMessage, { type: typeof type }> => m.type === type), {
        on: [child, 'message'],
        explain: () => `a "${type}" message; got ${JSON.stringify(messages.map((m) => m.type))}; stderr: ${err.slice(-2000)}`,
        timeoutMs,
      }),
    exited,
    stderr: () => err,
  };
}
