import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Database } from '../db/database.ts';
import { SIGNED_OUT_MAX_AGE_MS } from '../http/cookies.ts';

export interface SessionUser {
  id: string;
  name: string;
  email?: string;
  avatarUrl?: string;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
  }
}

export interface Sessions {
  middleware: RequestHandler;
  store: session.Store;
  /** Stops the store's pruning timer. */
  close(): void;
}

/** A signed-in session lasts 30 days from the last request (the cookie rolls). */
export const SIGNED_IN_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * A signed-out session exists only while Google sign-in is under way (passport's OAuth state,
 * behind the sign-in rate limit) and lasts an hour; the sign-in form's CSRF token and where to
 * return are cookies of their own (http/cookies.ts), so a mere visit stores nothing.
 */
export { SIGNED_OUT_MAX_AGE_MS };

/**
 * Sessions live in Postgres (PGlite or pg, through the same Database), so they survive
 * restarts and any number of web instances share them. A row's `expire` follows its cookie's
 * expiry; rows past it are pruned by the store, signed in or not.
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
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: SIGNED_OUT_MAX_AGE_MS },
  });
  return { middleware, store, close: () => store.close() };
}
