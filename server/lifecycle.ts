import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, probesApp } from './app.ts';
import { forgetSecrets, parseConfig, type Config, type Env } from './config.ts';
import { loadOrCreateDevSecrets } from './crypto/dev-secrets.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { isLoopbackHost } from './http/loopback.ts';
import { createLogger, type Logger } from './logger.ts';
import { VERSION } from './version.ts';
import { failInterruptedFeedback } from './feedback/index.ts';
import { fleetStatus, takeLease } from './instances/index.ts';
import { endOrphans, type EventPublisher } from './interviews/index.ts';
import { fleetInterviews, localInterviews, type InterviewParts } from './interview-parts.ts';
import { WorkerPool, workerPoolOptions } from './workers/index.ts';

export interface RunningServer {
  config: Config;
  db: Database;
  logger: Logger;
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the database. */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** How long in-flight requests may take to finish after a shutdown begins. */
  drainMs?: number;
}

export async function startServer(env: Env, options: StartOptions = {}): Promise<RunningServer> {
  const warnings: string[] = [];
  const config = parseConfig(env, (dataDir) => loadOrCreateDevSecrets(dataDir, (m) => warnings.push(m)));
  forgetSecrets(env);
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, pretty: !config.isProduction && process.stdout.isTTY === true });
  for (const warning of warnings) logger.warn(warning);

  // A newcomer's first `npm start` would otherwise print nothing for the many seconds this takes.
  const db = await openDatabase(config, {
    onCreating: (dataDir) => logger.info({ dataDir }, 'Setting up the embedded database (first start only, 5 to 20 s)…'),
  });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } catch (err) {
    await db.close();
    throw err;
  }

  const { leaseMs, drainMs } = config.instances;
  // A web-only process runs no interviews: no pool, no slots, not counted as a runner.
  let slotsChanged = () => {};
  // The streams of interviews ended by the sweep are told once the interviews' events are set up (none is open before).
  let announce: EventPublisher = { publish: () => undefined };
  const pool = config.role === 'web' ? undefined : new WorkerPool({ ...workerPoolOptions(config), logger, onSlotsChanged: () => slotsChanged() });
  const lease = await takeLease(db, {
    leaseMs,
    logger,
    orphans: { interviews: (db, ms) => endOrphans(db, ms, announce), feedback: failInterruptedFeedback },
    slots: () => (pool ? { used: pool.active(), max: pool.accepting() ? pool.max : pool.active() } : { used: 0, max: 0 }),
    runsInterviews: pool !== undefined,
  });
  const instanceId = lease.instanceId;
  const fleet = () => fleetStatus(db, leaseMs);
  let interviews: InterviewParts;
  try {
    if (db.kind === 'postgres' && config.database.url) {
      const parts = await fleetInterviews({ config, db, logger, url: config.database.url, lease, leaseMs, pool, instanceId });
      // Web instances see a slot taken or freed at once, and a freed one takes what is waiting.
      slotsChanged = () => {
        lease.report().catch((err: unknown) => logger.warn({ err }, 'could not report the interview slots'));
        parts.wake();
      };
      interviews = parts;
    } else {
      interviews = localInterviews({ config, db, logger, pool, instanceId });
    }
  } catch (err) {
    await pool?.shutdown();
    await lease.release().catch(() => {});
    await db.close();
    throw err;
  }
  announce = interviews.publish;
  const built =
    config.role === 'runner'
      ? { app: probesApp({ db, version: VERSION, fleet, workers: interviews.workers }), close: () => {} }
      : createApp({ config, db, logger, version: VERSION, instanceId, fleet, interviews });
  const { app, close: closeApp } = built;
  const drain = (limitMs: number) => interviews.drain(limitMs);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const everywhere = config.host === undefined || address === '0.0.0.0' || address === '::';
  const url = `http://${everywhere ? 'localhost' : address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ port, address, database: db.kind, role: config.role, instance: instanceId, version: VERSION }, `MockFlow listening on ${url}`);
  if (config.localSignIn && !isLoopbackHost(config.host)) {
    logger.warn(
      { host: config.host ?? 'every interface' },
      'HOST makes this laptop-mode server reachable from the network. "Continue as local user" still answers only ' +
        'a browser on this machine; anyone else who reaches it sees the sign-in page only. Unset HOST to listen on ' +
        '127.0.0.1, or configure Google sign-in to let others in.',
    );
  }

  let stopping: Promise<void> | undefined;
  const requestDrainMs = options.drainMs ?? 10_000;
  async function shutdown(reason: string): Promise<void> {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      // A deploy: the interviews under way carry on (the server still answers their requests),
      // new ones are refused, until they end or SHUTDOWN_DRAIN_SECONDS have passed.
      if (drainMs > 0) {
        const left = await drain(drainMs);
        if (left > 0) logger.warn({ interviews: left }, 'ending the interviews still live at the end of the shutdown delay');
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Children are stopped first so their last lines are written while the database is open.
      await pool?.shutdown();
      closeApp();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), requestDrainMs);
      await closed;
      clearTimeout(timer);
      await interviews.close().catch((err: unknown) => logger.warn({ err }, 'could not stop hearing the other server processes'));
      await lease.release().catch((err: unknown) => logger.warn({ err }, 'could not give back the server lease'));
      await db.close();
      logger.info('stopped');
    })();
    return stopping;
  }

  return { config, db, logger, server, url, shutdown };
}
