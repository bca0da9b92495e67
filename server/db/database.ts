// One small interface over PGlite (embedded) and node-postgres (DATABASE_URL), so every
// query in the app runs unchanged on both.

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction as the connecting (owner) role: commit on success, rollback on throw. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Runs fn in one transaction as `userId`, the way Supabase's API does: role `authenticated`
 * and the JWT claims that `auth.uid()` reads, both local to the transaction, so row-level
 * security decides what fn can see and change.
 */
export async function withUser<T>(db: Database, userId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  if (!isUuid(userId)) throw new TypeError('withUser needs a user id (uuid)');
  return db.transaction(async (tx) => {
    const claims = JSON.stringify({ sub: userId, role: 'authenticated' });
    await tx.query(`select set_config('request.jwt.claims', $1, true)`, [claims]);
    await tx.query('set local role authenticated');
    return fn(tx);
  });
}

/** Like withUser for the anonymous role: what a signed-out request could see through RLS. */
export async function asAnon<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`select set_config('request.jwt.claims', '{"role":"anon"}', true)`);
    await tx.query('set local role anon');
    return fn(tx);
  });
}
