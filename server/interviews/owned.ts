import type { Request } from 'express';
import { currentUser, type SessionUser } from '../auth/index.ts';
import { withUser, type Database, type Queryable } from '../db/database.ts';
import { notFound } from '../http/errors.ts';
import { getInterview, type InterviewRow } from './store.ts';

/**
 * The signed-in user's interview named by the route's :id, with what `more` reads beside it in
 * the same transaction; 404 when there is none (another user's id looks exactly like a missing one).
 */
export async function ownedInterview<T = object>(
  db: Database,
  req: Request,
  more: (tx: Queryable, row: InterviewRow) => Promise<T> = async () => ({}) as T,
): Promise<{ user: SessionUser; row: InterviewRow } & T> {
  const user = currentUser(req);
  const found = await withUser(db, user.id, async (tx) => {
    const row = await getInterview(tx, String(req.params.id));
    return row ? { row, ...(await more(tx, row)) } : undefined;
  });
  if (!found) throw notFound('There is no such interview.');
  return { user, ...found };
}
