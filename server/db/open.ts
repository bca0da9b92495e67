import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';

/** Postgres at DATABASE_URL when set, otherwise embedded PGlite kept in DATA_DIR. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.database.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(config.database.url, config.database.poolSize);
  }
  const dir = join(config.dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  const { openPglite } = await import('./pglite.ts');
  return openPglite(dir);
}
