// Benchmark: the production build's memory, started as Render starts it (render.yaml: node with
// --max-semi-space-size=1 --max-old-space-size=96; MALLOC_ARENA_MAX=2 is passed through when set).
// BENCH_NODE_ARGS replaces the node flags.
// Signs in three users through a local Google-like provider, then prints one JSON line last:
//   idleRssMb            server RSS right after start-up
//   after1000RssMb       server RSS after 1,000 requests (pages, API reads, /health)
//   threeLiveTotalRssMb  server + three live text interviews' children, summed RSS (counts
//                        shared pages once per process: an upper bound)
//   threeLiveTotalPssMb  the same as proportional set size (shared pages split): the real total
//   childRssMb           each child's RSS
// Targets (DESIGN.md): server ≤ 90 MB after 1,000 requests; three live interviews + server in 512 MB.
// Needs `npm run build` first. BENCH_DATABASE_URL runs it on PostgreSQL (as on Render) instead of
// embedded PGlite, e.g. `bash .ci/with-postgres.sh sh -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL npm run bench:memory'`.

import { readFile, readdir } from 'node:fs/promises';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';
import type { Client } from './client.ts';
import { startBenchServer } from './server.ts';

const REQUESTS = 1000;
const PATHS = ['/dashboard', '/interviews', '/api/interviews', '/health', '/settings/keys', '/api/keys', '/interviews/new'];
const KEY = 'sk-bench-memory-0000';

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 102.4) / 10;
}

/** Proportional set size: shared pages (the node binary, libraries) split between the processes sharing them. */
async function pssMb(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Math.round(Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1]) / 102.4) / 10;
}

async function childrenOf(pid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`)) {
    const list = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    pids.push(...list.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

const llm = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me more?' });
const server = await startBenchServer({
  compiled: true,
  nodeArgs: (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=1 --max-old-space-size=96').split(' ').filter(Boolean),
  passEnv: ['MALLOC_ARENA_MAX'],
});
const pid = server.child.pid!;
try {
  await settle();
  const idleRssMb = await rssMb(pid);

  const users: Client[] = [];
  for (let i = 0; i < 3; i++) {
    const client = await server.signIn(i);
    const saved = await client.api('PUT', '/api/keys', { openai_key: KEY, llm_base_url: llm.url, llm_model: 'bench' });
    if (saved.status !== 200) throw new Error(`saving keys: ${saved.status} ${saved.text}`);
    users.push(client);
  }

  for (let i = 0; i < REQUESTS; i++) {
    const path = PATHS[i % PATHS.length]!;
    const reply = await users[i % users.length]!.get(path);
    if (reply.status >= 400) throw new Error(`${path}: ${reply.status}`);
  }
  await settle();
  const after1000RssMb = await rssMb(pid);

  const body = { candidate_name: 'Bench Mark', job_role: 'Engineer', experience_level: 'mid', mode: 'text' };
  for (const client of users) {
    const started = await client.api('POST', '/api/interviews', body);
    if (started.status !== 201) throw new Error(`start: ${started.status} ${started.text}`);
    await client.api('POST', `/api/interviews/${started.json().id}/messages`, { text: 'I build payment systems.' });
  }
  await settle();
  const children = await childrenOf(pid);
  const childRssMb = await Promise.all(children.map(rssMb));
  const serverNowMb = await rssMb(pid);
  const pss = await Promise.all([pid, ...children].map(pssMb));
  console.log(
    JSON.stringify({
      idleRssMb,
      after1000RssMb,
      threeLiveTotalRssMb: Math.round((serverNowMb + childRssMb.reduce((a, b) => a + b, 0)) * 10) / 10,
      threeLiveTotalPssMb: Math.round(pss.reduce((a, b) => a + b, 0) * 10) / 10,
      serverWithThreeLiveRssMb: serverNowMb,
      childRssMb,
      database: server.database,
    }),
  );
} finally {
  await server.close();
  await llm.close();
}
