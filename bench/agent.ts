// Benchmark: fork the interview child in text mode N times against the local fake model.
// Prints progress to stderr and one JSON line last on stdout:
//   readyMsP50 / readyMsP90   fork → `ready` (the parent can answer the browser)
//   anonMbAfterReady          anonymous memory (/proc/<pid>/smaps_rollup) when `ready` arrives
//   greetingMsP50 / P90       fork → first `item` (SDK loaded, session running, greeting said)
//   anonMbAfterGreeting       anonymous memory with the pipeline up (median)
//   warmSpareReadyMsP50 / P90 `start` → `ready` for a child forked a few seconds earlier, as the
//                             pool's warm spare is (AGENT_WARM_SPARE): what a start costs then
// Targets: readyMsP50 ≤ 800, anonMbAfterReady ≤ 110 on the 2-core dev machine.
//
// The child is forked exactly as the server forks it (server/workers/spawn.ts: allow-listed
// environment, heap flags). BENCH_COMPILED=1 forks the production bundle (run `npm run build`
// first) instead of agent/main.ts through tsx.

import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChildMessage, StartMessage } from '../agent/protocol.ts';
import { createLogger } from '../server/logger.ts';
import { agentEntry, spawnAgent } from '../server/workers/spawn.ts';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';
import { percentile } from './stats.ts';

const RUNS = Number(process.env.RUNS ?? 10);
const COMPILED = process.env.BENCH_COMPILED === '1';
const HEAP_MB = Number(process.env.AGENT_HEAP_MB ?? 192);
// Extra node flags for the child, to try what the server could pass.
const EXEC_ARGV = (process.env.AGENT_EXEC_ARGV ?? '').split(' ').filter(Boolean);
const entry = agentEntry(COMPILED);
const logger = createLogger({ level: 'warn', destination: process.stderr });

/** Resolves with the first message of this type from the child. */
function next(child: ChildProcess, type: ChildMessage['type'], timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type && message.type !== 'ended') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (message.type === type) resolve();
      else reject(new Error(`the child ended before "${type}"`));
    };
    child.on('message', onMessage);
  });
}

function anonMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = Number(/^Anonymous:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

// A provider across the internet answers in a few hundred ms, not the fake's one: BENCH_LLM_LATENCY_MS adds that.
const LLM_LATENCY_MS = Number(process.env.BENCH_LLM_LATENCY_MS ?? 0);
const fake = await startFakeOpenAI({ apiKey: 'sk-bench-key-000000', defaultReply: 'Thanks. What did you work on last?', latencyMs: LLM_LATENCY_MS });
const ready: number[] = [];
const greeting: number[] = [];
const anonReady: number[] = [];
const anonGreeting: number[] = [];

/** One interview child: forked, optionally left to load its code first (as the pool's warm spare), then started. */
async function run(i: number, warmWaitMs: number) {
  const start: StartMessage = {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey: 'sk-bench-key-000000', llmBaseUrl: fake.url, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: { interviewId: `bench-${i}`, candidateName: 'Bench Mark', jobRole: 'Engineer', experienceLevel: 'mid' },
  };
  const { child } = spawnAgent({ entry: { ...entry, execArgv: [...entry.execArgv, ...EXEC_ARGV] }, heapMb: HEAP_MB, logger, env: process.env });
  const exited = new Promise((resolve) => child.once('close', resolve));
  if (warmWaitMs) await new Promise((resolve) => setTimeout(resolve, warmWaitMs));
  const t0 = performance.now();
  const readyMessage = next(child, 'ready');
  const greetingMessage = next(child, 'item');
  child.send(start);
  await readyMessage;
  const result = { ready: performance.now() - t0, anonReady: anonMb(child.pid!), greeting: 0, anonGreeting: 0 };
  await greetingMessage;
  result.greeting = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 300));
  result.anonGreeting = anonMb(child.pid!);
  child.send({ type: 'stop', reason: 'shutdown' });
  await exited;
  return result;
}

const warmReady: number[] = [];
const WARM_WAIT_MS = COMPILED ? 3_000 : 8_000;
for (let i = 0; i < RUNS; i++) {
  const cold = await run(i, 0);
  ready.push(cold.ready);
  anonReady.push(cold.anonReady);
  greeting.push(cold.greeting);
  anonGreeting.push(cold.anonGreeting);
  const warm = await run(i, WARM_WAIT_MS);
  warmReady.push(warm.ready);
  process.stderr.write(
    `run ${i + 1}/${RUNS}: ready ${Math.round(cold.ready)} ms (${cold.anonReady} MB), greeting ${Math.round(cold.greeting)} ms (${cold.anonGreeting} MB); warm spare ready ${Math.round(warm.ready)} ms\n`,
  );
}
await fake.close();

console.log(
  JSON.stringify({
    readyMsP50: Math.round(percentile(ready, 50)),
    readyMsP90: Math.round(percentile(ready, 90)),
    warmSpareReadyMsP50: Math.round(percentile(warmReady, 50)),
    warmSpareReadyMsP90: Math.round(percentile(warmReady, 90)),
    anonMbAfterReady: percentile(anonReady, 50),
    greetingMsP50: Math.round(percentile(greeting, 50)),
    greetingMsP90: Math.round(percentile(greeting, 90)),
    anonMbAfterGreeting: percentile(anonGreeting, 50),
    entry: COMPILED ? 'bundle' : 'tsx',
    llmLatencyMs: LLM_LATENCY_MS,
    heapMb: HEAP_MB,
    ...(EXEC_ARGV.length ? { execArgv: EXEC_ARGV } : {}),
  }),
);
