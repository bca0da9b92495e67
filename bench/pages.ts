// Benchmark: server time of the dashboard, the history page and one interview page (with its
// feedback report) for a user with 100 interviews on embedded storage (PGlite).
// Each interview has a 40-line transcript; four in five have feedback.
// Prints progress to stderr and one JSON line last on stdout:
//   dashboardMsP50 / historyMsP50 / interviewMsP50   request → full response on loopback,
//       templates cached as in production (an upper bound on server time: HTTP included)
//   *MsP90                                           the same, 90th percentile
//   uncachedTemplates                                the same p50s with templates read and
//       compiled on every request, as in development and tests
// Target: each p50 under 50 ms.

import type { TranscriptItem } from '../agent/protocol.ts';
import { type Stage, STAGES } from '../shared/vocabulary.ts';
import { createApp } from '../server/app.ts';
import { WorkerPool, workerPoolOptions } from '../server/workers/index.ts';
import { parseConfig } from '../server/config.ts';
import { migrate } from '../server/db/migrate.ts';
import { openPglite } from '../server/db/pglite.ts';
import { useViews } from '../server/http/views.ts';
import { createLogger } from '../server/logger.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../test/helpers/app.ts';
import { Client } from './client.ts';
import { listen } from '../test/helpers/http.ts';
import { localUserId, seedInterview } from '../test/web/seed.ts';
import { percentile as nearestRank } from './stats.ts';

const INTERVIEWS = 100;
const RUNS = Number(process.env.RUNS ?? 60);
const WARMUP = 10;

function percentile(values: number[], p: number): number {
  return Math.round(nearestRank(values, p) * 10) / 10;
}

const SENTENCE = 'Um, so in my last role I led the checkout rebuild, and you know, conversion went up by twelve percent over the quarter';

function transcript(start: number): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  for (let i = 0; i < 40; i++) {
    const stage: Stage = STAGES[Math.min(STAGES.length - 1, Math.floor(i / 8))]!;
    const role = i % 2 === 0 ? 'assistant' : 'user';
    const text = role === 'assistant' ? `Question ${i / 2 + 1}: tell me about a time you had to ${i % 3 === 0 ? 'lead' : 'learn'}?` : `${SENTENCE} (${i}).`;
    items.push({ id: `b-${i}`, role, text, stage, startedAt: start + i * 20_000, endedAt: start + i * 20_000 + 15_000 });
  }
  return items;
}

const config = parseConfig({ NODE_ENV: 'development', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'warn' });
const db = await openPglite();
await migrate(db);
const logger = createLogger({ level: 'warn' });
const pool = new WorkerPool({ ...workerPoolOptions(config), logger });
const app = createApp({ config, db, logger, pool, version: 'bench' });
const http = await listen(app.app);
const client = new Client(http.url);
await client.signInLocally();
const userId = await localUserId(db);

const t0 = Date.UTC(2025, 0, 1);
let sample = '';
for (let i = 0; i < INTERVIEWS; i++) {
  const startedAt = t0 + i * 86_400_000;
  const items = transcript(startedAt);
  const stageEvents = STAGES.map((stage, s) => ({ stage, at: startedAt + s * 160_000 }));
  const id = await seedInterview(db, userId, {
    jobRole: `Engineer ${i}`,
    startedAt,
    items,
    stageEvents,
    durationMs: 800_000,
    feedback: i % 5 === 4 ? undefined : 1 + (i % 5),
  });
  if (i === INTERVIEWS - 2) sample = id;
}
process.stderr.write(`seeded ${INTERVIEWS} interviews\n`);

const pages = { dashboard: '/dashboard', history: '/interviews', interview: `/interviews/${sample}` } as const;

async function measure(label: string): Promise<Record<keyof typeof pages, number[]>> {
  const times = { dashboard: [] as number[], history: [] as number[], interview: [] as number[] };
  for (const [name, path] of Object.entries(pages) as [keyof typeof pages, string][]) {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const start = performance.now();
      const reply = await client.get(path);
      const ms = performance.now() - start;
      if (reply.status !== 200) throw new Error(`${path} answered ${reply.status}`);
      if (i >= WARMUP) times[name].push(ms);
    }
    process.stderr.write(`${label} ${name}: p50 ${percentile(times[name], 50)} ms\n`);
  }
  return times;
}

const uncached = await measure('uncached');
useViews(app.app, { cache: true });
const cached = await measure('cached');
await http.close();
app.close();
await pool.shutdown(1_000);
await db.close();

console.log(
  JSON.stringify({
    interviews: INTERVIEWS,
    runs: RUNS,
    dashboardMsP50: percentile(cached.dashboard, 50),
    historyMsP50: percentile(cached.history, 50),
    interviewMsP50: percentile(cached.interview, 50),
    dashboardMsP90: percentile(cached.dashboard, 90),
    historyMsP90: percentile(cached.history, 90),
    interviewMsP90: percentile(cached.interview, 90),
    uncachedTemplates: {
      dashboardMsP50: percentile(uncached.dashboard, 50),
      historyMsP50: percentile(uncached.history, 50),
      interviewMsP50: percentile(uncached.interview, 50),
    },
  }),
);
