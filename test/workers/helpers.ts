// Shared by the worker pool tests: a pool with captured logs, a recorder for what the pool
// delivers, and text-mode start messages aimed at the local fake model.

import { fileURLToPath } from 'node:url';
import type { StartMessage } from '../../agent/protocol.ts';
import { type InterviewCallbacks, type InterviewEnd, type LiveMessage, WorkerPool, type WorkerPoolOptions } from '../../server/workers/pool.ts';
import { bundledAgent } from '../helpers/agent.ts';
import { captureLogs } from '../helpers/logs.ts';
import { waitFor } from '../helpers/wait.ts';

export const KEY = 'sk-pool-test-key-4242';

/** Ignores `stop`; answers `ready` only for interview ids starting with "ready". */
export const SILENT_AGENT = { path: fileURLToPath(new URL('./fixtures/silent-agent.mjs', import.meta.url)), execArgv: [] };

/** Ends by itself after `stop`, taking the milliseconds at the end of the interview id ("slow-6500"). */
export const SLOW_STOP_AGENT = { path: fileURLToPath(new URL('./fixtures/slow-stop-agent.mjs', import.meta.url)), execArgv: [] };

/** Prints the key and token it is given on stderr and stdout, and quotes the key in an `error`. */
export const LEAKY_AGENT = { path: fileURLToPath(new URL('./fixtures/leaky-agent.mjs', import.meta.url)), execArgv: [] };

export function textStart(interviewId: string, llmBaseUrl: string, llmApiKey = KEY): StartMessage {
  return {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey, llmBaseUrl, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: { interviewId, candidateName: 'Ana Ruiz', jobRole: 'Data Analyst', experienceLevel: 'junior' },
  };
}

export function makePool(options: Partial<WorkerPoolOptions> = {}) {
  const logs = captureLogs('debug');
  const pool = new WorkerPool({ max: 2, heapMb: 192, idleMs: 60_000, readyTimeoutMs: 90_000, logger: logs.logger, entry: bundledAgent(), ...options });
  const entries = () => logs.lines.map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string; level: number });
  return { pool, logs, entries, pidsSpawned: () => entries().filter((e) => e.msg === 'interview child spawned').map((e) => e.pid as number) };
}

/** Keeps what one interview's callbacks receive; `delayMs` makes each delivery slow, like a database write. */
export function recorder(delayMs = 0) {
  const messages: LiveMessage[] = [];
  const ends: InterviewEnd[] = [];
  /** Number of messages already delivered when each end arrived. */
  const deliveredAtEnd: number[] = [];
  const callbacks: InterviewCallbacks = {
    onMessage: async (message) => {
      if (delayMs) await sleep(delayMs);
      messages.push(message);
    },
    onEnd: (end) => {
      deliveredAtEnd.push(messages.length);
      ends.push(end);
    },
  };
  const items = () => messages.flatMap((m) => (m.type === 'item' ? [m.item] : []));
  return { messages, ends, deliveredAtEnd, callbacks, items, waitFor: (what: () => boolean, label = 'condition') => until(what, label, messages) };
}

/** The tests' waitFor, named by `label`, with what was `seen` in its failure. */
export async function until(what: () => boolean, label: string, seen?: unknown, timeoutMs = 20_000): Promise<void> {
  await waitFor(what, { explain: () => `${label}; seen: ${JSON.stringify(seen)}`, timeoutMs });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
