import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.ts';

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

// PGlite's defaults size Postgres for a server (160 MB of shared buffers); one user's
// interviews need a fraction of that, and a laptop's memory is better left to the agents.
const OPTIONS: PGliteOptions = { postgresqlconf: 'shared_buffers = 16MB' };

/** Embedded Postgres (WASM). `dataDir` undefined keeps everything in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create(dataDir, OPTIONS);
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
