// Benchmark: POST /api/interviews (text mode, local fake model) → 201, over real HTTP against the
// server running as its own process, N=20 starts; and the server's RSS after them.
// Prints progress to stderr and one JSON line last on stdout:
//   startMsP50 / startMsP90   request sent → 201 (includes forking the child and its `ready`)
//   serverRssMb               the server process's resident memory after the starts
// Starts are BENCH_PAUSE_MS (3 s) apart; AGENT_WARM_SPARE=false measures cold forks.
// The start rate limit is per user, so the starts are spread over as many users as it takes,
// each signed in with Google (a local stand-in), as real users are; the limits stay as shipped.
// Target: startMsP50 ≤ 1200 on the 2-core dev machine.
// BENCH_COMPILED=1 runs the production build (`npm run build` first): dist/server/main.js,
// which forks the bundled agent. BENCH_DATABASE_URL runs it on PostgreSQL (as on Render) instead
// of embedded PGlite, e.g. `bash .ci/with-postgres.sh sh -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL npm run bench:start'`.

import { readFile } from 'node:fs/promises';
import { DEFAULT_RATE_LIMITS } from '../server/http/security.ts';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';
import type { Client } from './client.ts';
import { startBenchServer } from './server.ts';

const RUNS = Number(process.env.RUNS ?? 20);
const { perUser, perIp } = DEFAULT_RATE_LIMITS.interviewStart;
if (RUNS > perIp) throw new Error(`RUNS=${RUNS}: all starts come from one address, which may start ${perIp} interviews per window.`);
const USERS = Math.ceil(RUNS / perUser!);
const COMPILED = process.env.BENCH_COMPILED === '1';
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 3000);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 102.4) / 10;
}

const llm = await startFakeOpenAI({ apiKey: 'sk-bench-start-0000', defaultReply: 'Tell me more?' });
const server = await startBenchServer({ compiled: COMPILED, passEnv: ['AGENT_WARM_SPARE'] });

/** A user signed in through the Google stand-in, with keys aimed at the fake model. */
async function signedInUser(n: number): Promise<Client> {
  const client = await server.signIn(n);
  const saved = await client.api('PUT', '/api/keys', { openai_key: 'sk-bench-start-0000', llm_base_url: llm.url, llm_model: 'bench' });
  if (saved.status !== 200) throw new Error(`saving keys: ${saved.status}`);
  return client;
}

try {
  const clients: Client[] = [];
  for (let u = 0; u < USERS; u++) clients.push(await signedInUser(u));
  const body = { candidate_name: 'Bench Mark', job_role: 'Engineer', experience_level: 'mid', mode: 'text' };
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const client = clients[i % USERS]!;
    const token = await client.csrf();
    const t0 = performance.now();
    const reply = await client.request('POST', '/api/interviews', { json: body, headers: { 'x-csrf-token': token } });
    const ms = performance.now() - t0;
    if (reply.status !== 201) throw new Error(`start ${i}: ${reply.status} ${reply.text}`);
    times.push(ms);
    await client.api('POST', `/api/interviews/${reply.json().id}/end`);
    process.stderr.write(`start ${i + 1}/${RUNS}: ${Math.round(ms)} ms\n`);
    // Starts are seconds apart in real use; this gives the pool's warm spare time to load.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  console.log(
    JSON.stringify({
      startMsP50: Math.round(percentile(times, 50)),
      startMsP90: Math.round(percentile(times, 90)),
      serverRssMb: await rssMb(server.child.pid!),
      runs: RUNS,
      users: USERS,
      compiled: COMPILED,
      database: server.database,
      warmSpare: process.env.AGENT_WARM_SPARE !== 'false',
    }),
  );
} finally {
  await server.close();
  await llm.close();
}
