import type { Database } from '../db/database.ts';
import { storableJson } from '../db/storable-text.ts';
import type { SessionUser } from './session.ts';

export interface Profile {
  name?: string;
  email?: string;
  avatarUrl?: string;
}

/**
 * The app's user for a sign-in identity (a Google subject, or the single local account) on a
 * database without Supabase Auth: created on first sign-in, the same id ever after.
 */
export async function userForIdentity(db: Database, provider: string, subject: string, fromProvider: Profile): Promise<SessionUser> {
  const profile = storableJson(fromProvider);
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext($1))`, [`identity:${provider}:${subject}`]);
    const found = await tx.query<{ user_id: string }>(
      'select user_id from mockflow.identities where provider = $1 and subject = $2',
      [provider, subject],
    );
    let id = found.rows[0]?.user_id;
    if (id === undefined) {
      const created = await tx.query<{ id: string }>(
        'insert into auth.users (email, raw_user_meta_data) values ($1, $2) returning id',
        [profile.email ?? null, metadata(profile)],
      );
      id = created.rows[0]!.id;
      await tx.query('insert into mockflow.identities (provider, subject, user_id) values ($1, $2, $3)', [provider, subject, id]);
    } else {
      await tx.query('update auth.users set email = coalesce($2, email), raw_user_meta_data = $3, updated_at = now() where id = $1', [
        id,
        profile.email ?? null,
        metadata(profile),
      ]);
    }
    return toSessionUser(id, profile);
  });
}

/**
 * With Supabase Auth the user row is Supabase's. When the database is not that project's
 * (a local Postgres pointed at a Supabase Auth project), the row is mirrored so foreign keys hold.
 */
export async function ensureUserRow(db: Database, id: string, fromProvider: Profile): Promise<SessionUser> {
  const profile = storableJson(fromProvider);
  const exists = await db.query('select 1 from auth.users where id = $1', [id]);
  if (exists.rows.length === 0) {
    await db.query('insert into auth.users (id, email, raw_user_meta_data) values ($1, $2, $3) on conflict (id) do nothing', [
      id,
      profile.email ?? null,
      metadata(profile),
    ]);
  }
  return toSessionUser(id, profile);
}

/** Removes the user; every row they own goes with it (ON DELETE CASCADE). */
export async function deleteUserRows(db: Database, id: string): Promise<void> {
  await db.query('delete from auth.users where id = $1', [id]);
}

function metadata(profile: Profile): Record<string, string> {
  const data: Record<string, string> = {};
  if (profile.name) data.full_name = profile.name;
  if (profile.avatarUrl) data.avatar_url = profile.avatarUrl;
  return data;
}

function toSessionUser(id: string, profile: Profile): SessionUser {
  return { id, name: profile.name || profile.email || 'Candidate', email: profile.email, avatarUrl: profile.avatarUrl };
}
