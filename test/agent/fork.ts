// Forks the real agent child the way the server does in development: agent/main.ts through
// tsx, an allow-listed environment, messages over IPC. Light on purpose (no SDK import), so the
// benchmark can use it too.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from '../../agent/protocol.ts';

export const AGENT_ENTRY = fileURLToPath(new URL('../../agent/main.ts', import.meta.url));
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
  const child = fork(AGENT_ENTRY, [], {
    cwd: ROOT,
    execArgv: [...extraExecArgv, '--import', 'tsx'],
    env,
    serialization,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.on('message', (message: ChildMessage) => {
    messages.push(message);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    process: child,
    messages,
    send: (message) => child.send(message),
    // Generous: the first message includes the child's start-up, slow on a busy 2-core machine.
    next: (type, timeoutMs = 25_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => m.type === type);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found as never);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${type}" message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.type))}; stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    exited,
    stderr: () => err,
  };
}
