import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import type { PgliteHooks } from './pglite.ts';
import { makePrivate } from './private-files.ts';

/** The embedded database's folder inside DATA_DIR. */
export const PGLITE_DIR_NAME = 'pgdata';

/** Postgres at DATABASE_URL when set, otherwise embedded PGlite kept in DATA_DIR. */
export async function openDatabase(config: Config, hooks: PgliteHooks = {}): Promise<Database> {
  if (config.database.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(config.database.url, config.database.poolSize);
  }
  const dir = join(config.dataDir, PGLITE_DIR_NAME);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Before opening too: a directory left world-readable by an earlier version closes first.
  makePrivate(config.dataDir);
  const { openPglite } = await import('./pglite.ts');
  const db = await openPglite(dir, hooks);
  makePrivate(config.dataDir);
  return db;
}
