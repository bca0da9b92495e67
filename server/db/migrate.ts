import { readdir, readFile } from 'node:fs/promises';
import { MIGRATIONS_DIR } from '../paths.ts';
import type { Database } from './database.ts';

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Migration ${file} failed and was rolled back: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'MigrationError';
  }
}

// Kept out of `public` so Supabase's REST API never exposes it.
const LEDGER = `
  create schema if not exists mockflow;
  create table if not exists mockflow.schema_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  );`;

/**
 * Applies every `*.sql` file in `dir` in name order, once each, each in its own
 * transaction together with its ledger row, so a failing file leaves nothing behind.
 * Returns the names applied by this call.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(LEDGER);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    try {
      const ran = await db.transaction(async (tx) => {
        // Serialises concurrent starts of several instances on one database.
        await tx.query(`select pg_advisory_xact_lock(hashtext('mockflow.schema_migrations'))`);
        const done = await tx.query('select 1 from mockflow.schema_migrations where name = $1', [file]);
        if (done.rows.length > 0) return false;
        await tx.exec(sql);
        await tx.query('insert into mockflow.schema_migrations (name) values ($1)', [file]);
        return true;
      });
      if (ran) applied.push(file);
    } catch (err) {
      throw new MigrationError(file, err);
    }
  }
  return applied;
}
