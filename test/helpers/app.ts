import type { Server } from 'node:http';
import { createApp, type MockFlowApp } from '../../server/app.ts';
import { parseConfig, type Config } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import type { RateLimits } from '../../server/http/security.ts';
import { WorkerPool, workerPoolOptions } from '../../server/workers/index.ts';
import { bundledAgent } from './agent.ts';
import { builtResumeReader } from './resume-reader.ts';
import { createThrowawayDatabase, freshPglite } from './databases.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import { migrate } from '../../server/db/migrate.ts';
import { takeLease } from '../../server/instances/index.ts';
import { fleetInterviews } from '../../server/interview-parts.ts';
import type { Logger } from '../../server/logger.ts';
import { listen } from './http.ts';
import { captureLogs } from './logs.ts';

export const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
export const TEST_SECRET_KEY = 'test-secret-key-that-is-long-enough-1234567890';

export interface TestApp {
  url: string;
  /** The listening server, for supertest: `request.agent(app.server)`. */
  server: Server;
  db: Database;
  pool: WorkerPool;
  /** The interviews' event streams, to publish what a test cannot otherwise cause. */
  events: MockFlowApp['events'];
  config: Config;
  logs: ReturnType<typeof captureLogs>;
  /** Stops the HTTP server; closes the database only if this helper opened it. */
  close(): Promise<void>;
}

export async function startTestApp(
  options: {
    env?: Record<string, string>;
    db?: Database;
    rateLimits?: Partial<RateLimits>;
    keyCheckTimeoutMs?: number;
    signInTimeoutMs?: number;
    pool?: WorkerPool;
    /**
     * Run interviews as a deployment on PostgreSQL does: through the start queue and the link
     * (server/fleet), this app its one process, on a throwaway database of the PostgreSQL server
     * at this URL.
     */
    fleet?: string;
  } = {},
): Promise<TestApp> {
  const config = parseConfig({
    NODE_ENV: 'test',
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'debug',
    // Most test apps start no interview: no spare child loading the agent's code for nothing
    // (test/workers/spare.test.ts and the spawned-server tests run with the spare).
    AGENT_WARM_SPARE: 'false',
    ...options.env,
  });
  const logs = captureLogs();
  const pool = options.pool ?? new WorkerPool({ ...workerPoolOptions(config), logger: logs.logger, entry: bundledAgent() });
  const fleet = options.fleet ? await fleetOf(options.fleet, config, pool, logs.logger) : undefined;
  const ownsDb = !options.db && !fleet;
  const db = fleet?.db ?? options.db ?? (await freshPglite());
  const built = createApp({
    config,
    db,
    logger: logs.logger,
    pool,
    interviews: fleet?.interviews,
    instanceId: fleet?.lease.instanceId,
    version: 'test',
    rateLimits: options.rateLimits,
    keyCheckTimeoutMs: options.keyCheckTimeoutMs,
    signInTimeoutMs: options.signInTimeoutMs,
    resumeReader: builtResumeReader(),
  });
  const http = await listen(built.app);
  return {
    url: http.url,
    server: http.server,
    db,
    pool,
    events: built.events,
    config,
    logs,
    async close() {
      await pool.shutdown(5_000);
      built.close();
      await http.close();
      if (ownsDb) await db.close();
      await fleet?.close();
    },
  };
}

/** One process of a fleet on a throwaway PostgreSQL database, running interviews on `pool`. */
async function fleetOf(server: string, config: Config, pool: WorkerPool, logger: Logger) {
  const database = await createThrowawayDatabase(server);
  const db = await openPostgres(database.url, 5);
  await migrate(db);
  const { leaseMs } = config.instances;
  const orphans = { interviews: async () => 0, feedback: async () => 0 };
  const lease = await takeLease(db, { leaseMs, logger, orphans, slots: () => ({ used: pool.active(), max: pool.max }) });
  const interviews = await fleetInterviews({ config, db, logger, url: database.url, lease, leaseMs, pool, instanceId: lease.instanceId });
  return {
    db,
    lease,
    interviews,
    async close() {
      await interviews.close();
      await lease.release();
      await db.close();
      await database.drop();
    },
  };
}
