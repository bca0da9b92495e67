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
 * Creating one costs about 0.3 s of CPU, so a closed one is emptied and handed out again by the
 * worker's next call (see `recycle`), unless its test changed more than the rows.
 */
export async function freshPglite(): Promise<Database> {
  const file = process.env[PGLITE_TEMPLATE_ENV];
  if (!file) {
    const db = await openPglite();
    await migrate(db);
    return db;
  }
  template ??= readFile(file).then((bytes) => new Blob([bytes]));
  const pg = idle.pop() ?? (await PGlite.create({ ...PGLITE_OPTIONS, loadDataDir: await template }));
  templateState ??= describeTemplate(pg);
  await templateState;
  return lease(pg);
}

/** Closed databases of this worker (isolate is off: it runs file after file), as good as new. */
const idle: PGlite[] = [];
const MAX_IDLE = 2;

interface TemplateState {
  /** The tables that hold rows: the app's, outside the migrations' ledger. */
  tables: string[];
  /** The newest transaction that wrote a catalog row or a ledger row: the last migration's. */
  lastXid: number;
  migrations: number;
}
let templateState: Promise<TemplateState> | undefined;

async function describeTemplate(pg: PGlite): Promise<TemplateState> {
  const tables = await pg.query<{ name: string }>(
    `select format('%I.%I', schemaname, tablename) as name from pg_tables
      where schemaname not in ('pg_catalog', 'information_schema') and (schemaname, tablename) <> ('mockflow', 'schema_migrations')`,
  );
  const { rows } = await pg.query<{ xid: number; migrations: number }>(await newestWriteQuery(pg));
  return { tables: tables.rows.map((t) => t.name), lastXid: rows[0]!.xid, migrations: rows[0]!.migrations };
}

let newestWrite: string | undefined;

/** The newest xmin among the rows of every system catalog and of the migrations' ledger. */
async function newestWriteQuery(pg: PGlite): Promise<string> {
  if (newestWrite) return newestWrite;
  const { rows } = await pg.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'pg_catalog' and c.relkind = 'r'`,
  );
  const catalogs = [...rows.map((r) => r.name), 'mockflow.schema_migrations'];
  newestWrite = `select (select max(x) from (${catalogs.map((c) => `select max(xmin::text::bigint) as x from ${c}`).join(' union all ')}) s)::int as xid,
    (select count(*) from mockflow.schema_migrations)::int as migrations`;
  return newestWrite;
}

/** The database a test sees: closing it ends the lease, and queries after that fail as on a closed PGlite. */
function lease(pg: PGlite): Database {
  const db = wrapPglite(pg);
  let closed = false;
  const open = () => {
    if (closed) throw new Error('PGlite is closed');
  };
  return {
    kind: 'pglite',
    async query(sql, params) {
      open();
      return db.query(sql, params);
    },
    async exec(sql) {
      open();
      return db.exec(sql);
    },
    async transaction(fn) {
      open();
      return db.transaction(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (idle.length < MAX_IDLE && (await recycle(pg))) idle.push(pg);
      else await pg.close();
    },
  };
}

/**
 * Empties a database its test has closed and says whether it is now as the template made it. Only
 * rows may have changed: any other change (a table, a role, a grant, a ledger row) writes a
 * catalog or ledger row newer than the migrations', and that database is closed instead.
 */
async function recycle(pg: PGlite): Promise<boolean> {
  const { tables, lastXid, migrations } = await templateState!;
  try {
    // The session's settings and role, locks, temporary tables; it fails inside an open transaction.
    await pg.exec('discard all');
    // Every table emptied at once, so no foreign key's order matters (replica mode skips their triggers).
    await pg.exec(`set session_replication_role = replica; ${tables.map((t) => `delete from ${t};`).join(' ')} reset session_replication_role;`);
    // Gives the tables back their free pages, so new rows are stored (and read back) in the order of a new database's.
    await pg.exec(`vacuum ${tables.join(', ')}`);
    const { rows } = await pg.query<{ xid: number; migrations: number }>(await newestWriteQuery(pg));
    return rows[0]!.xid === lastXid && rows[0]!.migrations === migrations;
  } catch {
    return false;
  }
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
