import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite, wrapPglite } from '../../server/db/pglite.ts';
import { PGLITE_TEMPLATE_ENV } from '../setup/pglite-template.ts';
import { PGLITE_OPTIONS } from '../../server/db/pglite-options.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import { PGLITE_DIR_NAME } from '../../server/db/open.ts';
import type { NewInterview } from '../../server/interviews/store.ts';

export interface TestDatabase {
  db: Database;
  /** Drops what the helper created (a throwaway database on real PostgreSQL). */
  dispose(): Promise<void>;
}

export interface DatabaseKind {
  name: 'pglite' | 'postgres';
  open(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

const url = process.env.TEST_DATABASE_URL;

if (!url) {
  console.warn(
    'TEST_DATABASE_URL is not set: database tests run on PGlite only. ' +
      '(.ci/run starts a throwaway PostgreSQL cluster and sets it when the PostgreSQL binaries exist.)',
  );
}

let template: Promise<Blob> | undefined;

/**
 * A new in-memory embedded database, already migrated: a copy of the run's template
 * (test/setup/pglite-template.ts), or migrated here in a process the test run did not set up.
 */
export async function freshPglite(): Promise<Database> {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (!file) {
    const db = await openPglite();
    await migrate(db);
    return db;
  }
  template ??= readFile(file).then((bytes) => new Blob([bytes]));
  return wrapPglite(await PGlite.create({ ...PGLITE_OPTIONS, loadDataDir: await template }));
}

/**
 * A new DATA_DIR for a server process, its embedded database already there and migrated (a copy
 * of the run's template): a server started on it opens the database instead of creating one,
 * which takes an initdb in a process of its own (seconds of CPU). Tests of that first start use
 * an empty directory instead.
 */
export async function seededDataDir(prefix = 'mockflow-data-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (!file) throw new Error(`${PGLITE_TEMPLATE_ENV} is not set: the run's global setup makes the template`);
  template ??= readFile(file).then((bytes) => new Blob([bytes]));
  const pg = await PGlite.create(join(dir, PGLITE_DIR_NAME), { ...PGLITE_OPTIONS, loadDataDir: await template });
  await pg.close();
  return dir;
}

const pglite: DatabaseKind = {
  name: 'pglite',
  async open({ migrate: run = true } = {}) {
    const db = run ? await freshPglite() : await openPglite();
    return { db, dispose: () => db.close() };
  },
};

/** A fresh, empty database on the server at `server` (TEST_DATABASE_URL's), for a test, a benchmark or a server process of its own. */
export async function createThrowawayDatabase(server = url): Promise<{ url: string; drop(): Promise<void> }> {
  if (!server) throw new Error('TEST_DATABASE_URL is not set');
  const name = `mockflow_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(server);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: server });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** Each open() gets its own fresh database on the server at TEST_DATABASE_URL. */
const postgres: DatabaseKind = {
  name: 'postgres',
  async open({ migrate: run = true } = {}) {
    const throwaway = await createThrowawayDatabase();
    const db = await openPostgres(throwaway.url, 4);
    if (run) await migrate(db);
    return {
      db,
      async dispose() {
        await db.close();
        await throwaway.drop();
      },
    };
  },
};

/** The databases every data test runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const databaseKinds: DatabaseKind[] = url ? [pglite, postgres] : [pglite];

/** A new text interview as the start creates it, for tests that write through the interviews' store. */
export const NEW_TEXT_INTERVIEW: NewInterview = {
  candidateName: 'New Candidate',
  jobRole: 'Engineer',
  experienceLevel: 'mid',
  mode: 'text',
  roomName: null,
  hasResume: false,
  hasJd: false,
  patience: 'normal',
};

export async function createUser(db: Database, email = `${randomBytes(4).toString('hex')}@example.test`): Promise<string> {
  const { rows } = await db.query<{ id: string }>('insert into auth.users (email) values ($1) returning id', [email]);
  return rows[0]!.id;
}
