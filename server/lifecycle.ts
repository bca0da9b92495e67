import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { parseConfig, type Config, type Env } from './config.ts';
import { loadOrCreateDevSecrets } from './crypto/dev-secrets.ts';
import type { Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { createLogger, type Logger } from './logger.ts';
import { VERSION } from './version.ts';

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
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, pretty: !config.isProduction && process.stdout.isTTY === true });
  for (const warning of warnings) logger.warn(warning);

  const db = await openDatabase(config);
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  } catch (err) {
    await db.close();
    throw err;
  }

  const workers = { active: () => 0, max: config.workers.max };
  const { app, close: closeApp } = createApp({ config, db, logger, workers, version: VERSION });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host && config.host !== '0.0.0.0' ? config.host : 'localhost'}:${port}`;
  logger.info({ port, database: db.kind, version: VERSION }, `MockFlow listening on ${url}`);

  let stopping: Promise<void> | undefined;
  const drainMs = options.drainMs ?? 10_000;
  async function shutdown(reason: string): Promise<void> {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearTimeout(timer);
      closeApp();
      await db.close();
      logger.info('stopped');
    })();
    return stopping;
  }

  return { config, db, logger, server, url, shutdown };
}
