// The migrations the way Supabase users apply them: psql alone, file by file in name order, each
// in its own transaction, without the server's runner (which creates its ledger's schema first).
// On a new Supabase project, and on one the Python original's deployment guide made and filled
// first, where they must leave its rows and its policies as they were. The server's runner
// applying them again afterwards (its ledger is empty) must change nothing either.
//
// Needs real PostgreSQL and psql: in CI (CI=true) it must run; elsewhere it skips with the reason.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, withUser } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import * as store from '../../server/interviews/store.ts';
import { MIGRATIONS_DIR } from '../../server/paths.ts';
import { NEW_TEXT_INTERVIEW } from '../helpers/databases.ts';
import { GUIDE_SQL, insertOriginalRows, SUPABASE_PROJECT_SQL } from './mockflow-ai.ts';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const url = process.env.TEST_DATABASE_URL;

function findPsql(): string | undefined {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  return [...versions.map((v) => `/usr/lib/postgresql/${v}/bin/psql`), '/usr/bin/psql'].find((p) => existsSync(p));
}

const psql = findPsql();
const problem = !url ? 'TEST_DATABASE_URL is not set (.ci/with-postgres.sh sets it)' : !psql ? 'psql is not installed' : undefined;
if (problem && !IN_CI) console.warn(`The psql migration test is skipped: ${problem}.`);

const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();

/** The connection for psql's environment (libpq reads it there), never its argv. */
function psqlEnv(database: string): NodeJS.ProcessEnv {
  const u = new URL(url!);
  return {
    PATH: process.env.PATH ?? '',
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: database,
  };
}

async function runPsql(database: string, file: string): Promise<void> {
  try {
    await promisify(execFile)(psql!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-f', file], { env: psqlEnv(database) });
  } catch (error) {
    throw new Error(`psql -f ${file} failed: ${String((error as { stderr?: string }).stderr ?? error)}`);
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function newDatabase(): Promise<{ name: string; db: Database }> {
  const name = `mockflow_psql_${randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  const target = new URL(url!);
  target.pathname = `/${name}`;
  return { name, db: await openPostgres(target.toString(), 2) };
}

async function schema(db: Database): Promise<string> {
  const columns = await db.query(
    `select table_schema, table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
      where table_schema in ('public', 'auth', 'mockflow') and table_name <> 'schema_migrations' order by 1, 2, 3`,
  );
  const policies = await db.query(`select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies order by 1, 2`);
  const indexes = await db.query(`select schemaname, indexname, indexdef from pg_indexes
      where schemaname in ('public', 'mockflow') and tablename <> 'schema_migrations' order by 1, 2`);
  return JSON.stringify([columns.rows, policies.rows, indexes.rows]);
}

async function user(db: Database, email: string): Promise<string> {
  return (await db.query<{ id: string }>('insert into auth.users (email) values ($1) returning id', [email])).rows[0]!.id;
}

/** What the server does with a new interview: create it, say a line, read it back as its owner. */
async function interviewWorks(db: Database, userId: string) {
  const row = await store.createInterview(db, userId, NEW_TEXT_INTERVIEW);
  const now = Date.now();
  await store.appendItem(db, userId, row.id, { id: 'a1', role: 'assistant', text: 'Welcome!', stage: 'welcome', startedAt: now, endedAt: now + 1 });
  await store.endInterview(db, userId, row.id, 'candidate');
  const read = await withUser(db, userId, (tx) => store.getInterview(tx, row.id));
  expect(read!.conversation.map((i) => i.text)).toEqual(['Welcome!']);
  expect(read!.total_messages).toEqual({ assistant: 1, user: 0 });
  expect(read!.interview_date).toBeInstanceOf(Date);
}

describe.skipIf(problem !== undefined && !IN_CI)('migrations applied with psql alone', () => {
  const made: { name: string; db: Database }[] = [];
  beforeAll(() => {
    if (problem) throw new Error(`The psql migration test must run in CI, but ${problem}.`);
  });
  afterAll(async () => {
    for (const { name, db } of made) {
      await db.close();
      await admin(`drop database if exists ${name} with (force)`);
    }
  });

  it('on a new Supabase project: every file in order, then the server works and its runner changes nothing', async () => {
    const target = await newDatabase();
    made.push(target);
    await runPsql(target.name, SUPABASE_PROJECT_SQL);
    for (const file of MIGRATIONS) await runPsql(target.name, join(MIGRATIONS_DIR, file));
    const { db } = target;
    const applied = await schema(db);
    expect(applied).toContain('"table_schema":"mockflow","table_name":"sessions"');

    expect(await migrate(db)).toEqual(MIGRATIONS);
    expect(await schema(db)).toBe(applied);
    await interviewWorks(db, await user(db, 'new@example.test'));
  });

  it("on a project the original's guide made: its rows and policies stay, new interviews work, old ones read", async () => {
    const target = await newDatabase();
    made.push(target);
    const { db } = target;
    await runPsql(target.name, SUPABASE_PROJECT_SQL);
    await runPsql(target.name, GUIDE_SQL);
    const owner = await user(db, 'sam@example.test');
    const rows = await insertOriginalRows(db, owner);
    const snapshot = async () =>
      JSON.stringify([
        (await db.query(`select * from public.interviews order by id`)).rows,
        (await db.query(`select * from public.feedback order by id`)).rows,
      ]);
    const before = await snapshot();
    const beforeTables = (await db.query(`select column_name from information_schema.columns where table_name = 'interviews' order by ordinal_position`)).rows;

    for (const file of MIGRATIONS) await runPsql(target.name, join(MIGRATIONS_DIR, file));

    // The stored rows, column for column as the guide made them.
    const columns = beforeTables.map((c) => (c as { column_name: string }).column_name).join(', ');
    const after = JSON.stringify([
      (await db.query(`select ${columns} from public.interviews order by id`)).rows,
      (await db.query(`select id, interview_id, user_id, feedback_data, created_at, updated_at from public.feedback order by id`)).rows,
    ]);
    expect(after).toBe(before);
    const policies = (await db.query<{ policyname: string }>(`select policyname from pg_policies where tablename = 'user_api_keys' order by 1`)).rows.map((r) => r.policyname);
    expect(policies).toEqual(expect.arrayContaining(['Users can view own API keys', 'Users can update own API keys', 'Users can view own keys', 'Users can delete own keys']));
    const defaults = await db.query<{ column_name: string; column_default: string }>(
      `select column_name, column_default from information_schema.columns
        where table_schema = 'public' and table_name = 'interviews' and column_name in ('interview_date', 'conversation', 'mode', 'status') order by 1`,
    );
    expect(defaults.rows.map((r) => [r.column_name, r.column_default])).toEqual([
      ['conversation', "'[]'::jsonb"],
      ['interview_date', 'now()'],
      ['mode', "'voice'::text"],
      ['status', "'ended'::text"],
    ]);

    await interviewWorks(db, owner);
    const old = await withUser(db, owner, (tx) => store.getInterview(tx, rows.fragments));
    expect(old!.conversation.filter((i) => i.role === 'user').map((i) => i.text)).toEqual([
      "Hello. I'm. ready to start",
      'so basically I um worked on payments at a fintech for three years',
      'We rebuilt the ledger without downtime.',
    ]);
    expect(old).toMatchObject({ mode: 'voice', status: 'ended', ended_by: 'completed' });
    const stranger = await user(db, 'stranger@example.test');
    expect(await withUser(db, stranger, (tx) => store.getInterview(tx, rows.fragments))).toBeUndefined();

    // The server starting on it later applies every file again through its runner: still nothing lost.
    const migrated = await schema(db);
    expect(await migrate(db)).toEqual(MIGRATIONS);
    expect(await schema(db)).toBe(migrated);
    expect(
      JSON.stringify([
        (await db.query(`select ${columns} from public.interviews where id = any($1) order by id`, [Object.values(rows)])).rows,
      ]),
    ).toBe(JSON.stringify([JSON.parse(before)[0]]));
  });
});
