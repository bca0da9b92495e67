import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { SupabaseAuth } from './supabase.ts';
import { deleteUserRows } from './users.ts';

export const DELETE_CONFIRMATION = 'delete my account';

/**
 * Deletes the user everywhere: the Supabase Auth user first (so a failure there leaves
 * everything as it was and the user can retry), then their rows here (cascading to keys,
 * interviews and feedback), then every session they have open.
 */
export async function deleteAccount(db: Database, userId: string, supabase: SupabaseAuth | undefined, logger: Logger): Promise<void> {
  if (supabase) {
    const deleted = await supabase.deleteUser(userId);
    if (!deleted) logger.warn('SUPABASE_SERVICE_ROLE_KEY is not set: the Supabase Auth user is removed only through the database');
  }
  await deleteUserRows(db, userId);
  await db.query(`delete from mockflow.sessions where (sess::jsonb -> 'user' ->> 'id') = $1`, [userId]);
  logger.info({ userId }, 'account deleted');
}
