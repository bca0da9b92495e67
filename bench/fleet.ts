// Benchmark: a fleet on the PostgreSQL at BENCH_DATABASE_URL (a database of its own is made there
// for the run, and another for the one-process comparison), each server its own process:
//   - a web instance (MOCKFLOW_ROLE=web) and two runners (MOCKFLOW_ROLE=runner, 3 slots, warm
//     spare as shipped); STARTS text starts posted to the web instance, BENCH_PAUSE_MS apart,
//     each followed by TURNS turns and its End;
//   - one all-in-one process (MOCKFLOW_ROLE=all) on the other database, the same turns.
// A turn is timed from its POST to its line arriving on the web instance's event stream (what
// the candidate waits for before the interviewer can answer), and to the POST's 202.
// Prints progress to stderr and one JSON line last on stdout:
//   runners, startsPerRunner      how the starts were spread
//   startMsP50 / startMsP90       POST /api/interviews → 201 through the queue
//   relayedTurnAddedMsP50         turn → its line on the stream, relayed to the runner that owns
//                                 the interview, minus the same in one process (target ≤ 20 ms)
//   turnMsP50Relayed / turnMsP50OneProcess, ackMsP50Relayed / ackMsP50OneProcess
// e.g. `bash .ci/with-postgres.sh sh -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL npm run bench:fleet'`.

import pg from 'pg';
import { startFakeOpenAI } from '../test/fakes/openai-llm.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../test/helpers/app.ts';
import { createThrowawayDatabase } from '../test/helpers/databases.ts';
import { openEvents, type SseStream } from '../test/helpers/sse.ts';
import type { Client } from './client.ts';
import { startBenchServer, type BenchServer } from './server.ts';
import { percentile } from './stats.ts';

const SERVER = process.env.BENCH_DATABASE_URL;
if (!SERVER) throw new Error('bench:fleet needs BENCH_DATABASE_URL: a PostgreSQL server where it may create two databases for the run.');
const STARTS = Number(process.env.STARTS ?? 10);
const TURNS = Number(process.env.TURNS ?? 5);
const PAUSE_MS = Number(process.env.BENCH_PAUSE_MS ?? 2000);
const KEY = 'sk-bench-fleet-0000';

const llm = await startFakeOpenAI({ apiKey: KEY, defaultReply: 'Tell me more?' });
const fleetDb = await createThrowawayDatabase(SERVER);
const singleDb = await createThrowawayDatabase(SERVER);
const servers: BenchServer[] = [];
const on = async (databaseUrl: string, role: string) => {
  const server = await startBenchServer({
    compiled: false,
    // One SECRET_KEY for all: a session made on one web instance is good on every other.
    env: { DATABASE_URL: databaseUrl, MOCKFLOW_ROLE: role, SECRET_KEY: TEST_SECRET_KEY, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY },
  });
  servers.push(server);
  return server;
};

async function signedIn(server: BenchServer, n: number): Promise<Client> {
  const client = await server.signIn(n);
  const saved = await client.api('PUT', '/api/keys', { openai_key: KEY, llm_base_url: llm.url, llm_model: 'bench' });
  if (saved.status !== 200) throw new Error(`saving keys: ${saved.status} ${saved.text}`);
  return client;
}

const START = { candidate_name: 'Bench Mark', job_role: 'Engineer', experience_level: 'mid', mode: 'text' };

/** TURNS turns in an interview of `client`'s, each timed to its line on the stream and to its 202. */
async function turns(server: BenchServer, client: Client, id: string, landed: number[], acked: number[]): Promise<void> {
  const stream: SseStream = await openEvents(`${server.url}/api/interviews/${id}/events`, { cookie: client.cookieHeader() });
  const token = await client.csrf();
  try {
    for (let t = 0; t < TURNS; t++) {
      const text = `Answer ${t} to interview ${id}.`;
      const from = stream.cursor();
      const t0 = performance.now();
      const reply = await client.request('POST', `/api/interviews/${id}/messages`, { json: { text }, headers: { 'x-csrf-token': token } });
      acked.push(performance.now() - t0);
      if (reply.status !== 202) throw new Error(`turn: ${reply.status} ${reply.text}`);
      const said = await stream.next((e) => e.event === 'item' && e.data.text === text, { after: from });
      landed.push(performance.now() - t0);
      await stream.next((e) => e.event === 'item' && e.data.role === 'assistant', { after: said });
    }
  } finally {
    stream.close();
  }
}

try {
  const web = await on(fleetDb.url, 'web');
  await Promise.all([on(fleetDb.url, 'runner'), on(fleetDb.url, 'runner')]);
  const single = await on(singleDb.url, 'all');
  const owners = new pg.Pool({ connectionString: fleetDb.url, max: 1 });

  const startMs: number[] = [];
  const perRunner = new Map<string, number>();
  const relayed = { landed: [] as number[], acked: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    const client = await signedIn(web, i);
    const token = await client.csrf();
    const t0 = performance.now();
    const reply = await client.request('POST', '/api/interviews', { json: START, headers: { 'x-csrf-token': token } });
    const ms = performance.now() - t0;
    if (reply.status !== 201) throw new Error(`start ${i}: ${reply.status} ${reply.text}`);
    startMs.push(ms);
    const id: string = reply.json().id;
    const owner = (await owners.query<{ instance_id: string }>('select instance_id from public.interviews where id = $1', [id])).rows[0]!.instance_id;
    perRunner.set(owner, (perRunner.get(owner) ?? 0) + 1);
    await turns(web, client, id, relayed.landed, relayed.acked);
    await client.api('POST', `/api/interviews/${id}/end`);
    process.stderr.write(`fleet start ${i + 1}/${STARTS}: ${Math.round(ms)} ms\n`);
    // Starts are seconds apart in real use; this gives the runners' warm spares time to load.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  await owners.end();

  const oneProcess = { landed: [] as number[], acked: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    const client = await signedIn(single, i);
    const reply = await client.api('POST', '/api/interviews', START);
    if (reply.status !== 201) throw new Error(`one-process start ${i}: ${reply.status} ${reply.text}`);
    const id: string = reply.json().id;
    await turns(single, client, id, oneProcess.landed, oneProcess.acked);
    await client.api('POST', `/api/interviews/${id}/end`);
    process.stderr.write(`one-process interview ${i + 1}/${STARTS}\n`);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }

  const p50 = (values: number[]) => Math.round(percentile(values, 50) * 10) / 10;
  console.log(
    JSON.stringify({
      runners: 2,
      starts: STARTS,
      turnsPerInterview: TURNS,
      startsPerRunner: [...perRunner.values()].sort((a, b) => b - a),
      startMsP50: Math.round(percentile(startMs, 50)),
      startMsP90: Math.round(percentile(startMs, 90)),
      turnMsP50Relayed: p50(relayed.landed),
      turnMsP50OneProcess: p50(oneProcess.landed),
      relayedTurnAddedMsP50: Math.round((percentile(relayed.landed, 50) - percentile(oneProcess.landed, 50)) * 10) / 10,
      ackMsP50Relayed: p50(relayed.acked),
      ackMsP50OneProcess: p50(oneProcess.acked),
      database: 'postgres',
    }),
  );
} finally {
  for (const server of servers) await server.close();
  await llm.close();
  await fleetDb.drop();
  await singleDb.drop();
}
