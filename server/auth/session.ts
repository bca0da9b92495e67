import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';

export interface SessionUser {
  id: string;
  name: string;
  email?: string;
  avatarUrl?: string;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    /** Where to go after signing in (a local path). */
    returnTo?: string;
  }
}

export interface Sessions {
  middleware: RequestHandler;
  store: session.Store;
  /** Stops the store's pruning timer. */
  close(): void;
}

const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Sessions live in Postgres (PGlite or pg, through the same Database), so they survive
 * restarts and any number of web instances share them. Expired rows are pruned by the store.
 */
export function createSessions(db: Database, options: { secret: string; secure: boolean; pruneSeconds?: number | false }): Sessions {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    // connect-pg-simple speaks to anything with pg-promise's `any(sql, params)`.
    pgPromise: { any: async (sql: string, params?: unknown[]) => (await db.query(sql, params)).rows },
    schemaName: 'mockflow',
    tableName: 'sessions',
    pruneSessionInterval: options.pruneSeconds ?? 15 * 60,
    errorLog: () => {},
  });
  const middleware = session({
    name: 'mockflow.sid',
    store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: THIRTY_DAYS_MS },
  });
  return { middleware, store, close: () => store.close() };
}
