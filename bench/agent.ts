// Benchmark: fork the interview child in text mode N times against the local fake model.
// Prints progress to stderr and one JSON line last on stdout:
//   readyMsP50 / readyMsP90   fork → `ready` (the parent can answer the browser)
//   anonMbAfterReady          anonymous memory (/proc/<pid>/smaps_rollup) when `ready` arrives
//   greetingMsP50 / P90       fork → first `item` (SDK loaded, session running, greeting said)
//   anonMbAfterGreeting       anonymous memory with the pipeline up (median)
// Targets: readyMsP50 ≤ 800, anonMbAfterReady ≤ 110 on the 2-core dev machine.

import { readFileSync } from 'node:fs';
import type { StartMessage } from '../agent/protocol.ts';
import { forkAgent } from '../test/agent/fork.ts';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';

const RUNS = Number(process.env.RUNS ?? 10);
// Extra node flags for the child, to try what the server could pass (e.g. --max-semi-space-size=1).
const EXEC_ARGV = (process.env.AGENT_EXEC_ARGV ?? '').split(' ').filter(Boolean);

function anonMb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = Number(/^Anonymous:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const fake = await startFakeOpenAI({ apiKey: 'sk-bench-key-000000', defaultReply: 'Thanks. What did you work on last?' });
const ready: number[] = [];
const greeting: number[] = [];
const anonReady: number[] = [];
const anonGreeting: number[] = [];

for (let i = 0; i < RUNS; i++) {
  const start: StartMessage = {
    type: 'start',
    mode: 'text',
    keys: { llmApiKey: 'sk-bench-key-000000', llmBaseUrl: fake.url, llmModel: 'gpt-4o-mini', ttsProvider: 'openai' },
    interview: { interviewId: `bench-${i}`, candidateName: 'Bench Mark', jobRole: 'Engineer', experienceLevel: 'mid' },
  };
  const t0 = performance.now();
  const agent = forkAgent('advanced', EXEC_ARGV);
  agent.send(start);
  await agent.next('ready', 30_000);
  ready.push(performance.now() - t0);
  anonReady.push(anonMb(agent.process.pid!));
  await agent.next('item', 30_000);
  greeting.push(performance.now() - t0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  anonGreeting.push(anonMb(agent.process.pid!));
  agent.send({ type: 'stop', reason: 'shutdown' });
  await agent.exited;
  process.stderr.write(
    `run ${i + 1}/${RUNS}: ready ${Math.round(ready[i]!)} ms (${anonReady[i]} MB), greeting ${Math.round(greeting[i]!)} ms (${anonGreeting[i]} MB)\n`,
  );
}
await fake.close();

console.log(
  JSON.stringify({
    readyMsP50: Math.round(percentile(ready, 50)),
    readyMsP90: Math.round(percentile(ready, 90)),
    anonMbAfterReady: percentile(anonReady, 50),
    greetingMsP50: Math.round(percentile(greeting, 50)),
    greetingMsP90: Math.round(percentile(greeting, 90)),
    anonMbAfterGreeting: percentile(anonGreeting, 50),
    ...(EXEC_ARGV.length ? { execArgv: EXEC_ARGV } : {}),
  }),
);
