import { PGlite } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Database, Queryable, QueryResult } from './database.ts';
import { PGLITE_OPTIONS } from './pglite-options.ts';
import { ROOT } from '../paths.ts';

interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(conn: PgliteLike): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const result = await conn.query<T>(sql, params);
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
    async exec(sql: string) {
      await conn.exec(sql);
    },
  };
}

export interface PgliteHooks {
  /** Called before a fresh data directory is set up, which takes 5 to 20 s, once. */
  onCreating?: (dataDir: string) => void;
}

/** Embedded Postgres (WASM). `dataDir` undefined keeps everything in memory (tests). */
export async function openPglite(dataDir?: string, hooks: PgliteHooks = {}): Promise<Database> {
  if (dataDir && !existsSync(join(dataDir, 'PG_VERSION'))) {
    hooks.onCreating?.(dataDir);
    await initInOwnProcess(dataDir);
  }
  return wrapPglite(await PGlite.create(dataDir, PGLITE_OPTIONS));
}

/** A PGlite instance as the app's Database (closing it closes the instance, once). */
export function wrapPglite(pg: PGlite): Database {
  let closed = false;
  return {
    kind: 'pglite',
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
    },
  };
}

/** Creates the cluster in a short-lived process (see pglite-init.ts): ~500 MB less for the server. */
async function initInOwnProcess(dataDir: string): Promise<void> {
  const source = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(source ? './pglite-init.ts' : './pglite-init.js', import.meta.url));
  const args = [...(source ? ['--import', 'tsx'] : []), script, dataDir];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`could not create the embedded database in ${dataDir}${stderr ? `: ${stderr.split('\n').at(-1)}` : ''}`);
  }
}
