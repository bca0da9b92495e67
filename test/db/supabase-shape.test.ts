// The migrations must run on a Supabase project, where `auth` belongs to Supabase Auth and the
// role the server connects as is not a superuser: it may not create anything in `auth` nor grant
// on what Auth owns. This builds that shape on the throwaway PostgreSQL cluster and migrates as
// such a role.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withUser } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { openPostgres } from '../../server/db/postgres.ts';

const url = process.env.TEST_DATABASE_URL;
if (!url) console.warn('TEST_DATABASE_URL is not set: the Supabase-shaped migration test needs real PostgreSQL and is skipped.');

async function asAdmin<T>(database: string | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const target = new URL(url!);
  if (database) target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!url)('migrations on a Supabase-shaped database', () => {
  it('apply as a non-superuser that cannot touch the auth schema, and RLS works afterwards', async () => {
    const tag = randomBytes(5).toString('hex');
    const database = `mockflow_supa_${tag}`;
    const authAdmin = `mf_auth_admin_${tag}`;
    const app = `mf_app_${tag}`;
    await asAdmin(undefined, async (c) => {
      await c.query(`create database ${database}`);
      await c.query(`create role ${authAdmin} nologin`);
      await c.query(`create role ${app} login createrole`);
      await c.query(`grant create on database ${database} to ${app}`);
    });
    try {
      const userId = await asAdmin(database, async (c) => {
        for (const role of ['anon', 'authenticated', 'service_role']) {
          await c.query(`do $$ begin create role ${role} nologin noinherit; exception when duplicate_object or unique_violation then null; end $$`);
          await c.query(`grant ${role} to ${app}`);
        }
        await c.query(`grant create on schema public to ${app}`);
        // What Supabase Auth owns, and the grants Supabase gives the `postgres` role on it.
        await c.query(`create schema auth authorization ${authAdmin}`);
        await c.query(`create table auth.users (id uuid primary key default gen_random_uuid(), email text)`);
        await c.query(`alter table auth.users owner to ${authAdmin}`);
        await c.query(
          `create function auth.uid() returns uuid language sql stable as
           $$ select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid $$`,
        );
        await c.query(`alter function auth.uid() owner to ${authAdmin}`);
        await c.query(`grant usage on schema auth to ${app}, anon, authenticated, service_role`);
        await c.query(`grant select, insert, update, delete, references on auth.users to ${app}`);
        const { rows } = await c.query<{ id: string }>(`insert into auth.users (email) values ('supa@example.test') returning id`);
        return rows[0]!.id;
      });

      const target = new URL(url!);
      target.pathname = `/${database}`;
      target.username = app;
      const db = await openPostgres(target.toString(), 2);
      try {
        const applied = await migrate(db);
        expect(applied.length).toBeGreaterThan(0);
        expect(await migrate(db)).toEqual([]);

        // Supabase's own objects are left as they were.
        const owner = await db.query<{ owner: string }>(
          `select pg_get_userbyid(relowner) as owner from pg_class where oid = 'auth.users'::regclass`,
        );
        expect(owner.rows[0]!.owner).toBe(authAdmin);

        const inserted = await withUser(db, userId, (tx) =>
          tx.query<{ id: string }>(
            `insert into public.interviews (user_id, candidate_name, job_role, experience_level)
             values ($1, 'Supa', 'Engineer', 'mid') returning id`,
            [userId],
          ),
        );
        expect(inserted.rows).toHaveLength(1);
        const someoneElse = '00000000-0000-4000-8000-000000000001';
        const hidden = await withUser(db, someoneElse, (tx) => tx.query('select id from public.interviews'));
        expect(hidden.rows).toHaveLength(0);
      } finally {
        await db.close();
      }
    } finally {
      await asAdmin(undefined, async (c) => {
        await c.query(`drop database if exists ${database} with (force)`);
        await c.query(`drop role if exists ${app}`);
        await c.query(`drop role if exists ${authAdmin}`);
      });
    }
  });
});
