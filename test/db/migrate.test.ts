import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, MigrationError } from '../../server/db/migrate.ts';
import { MIGRATIONS_DIR } from '../../server/paths.ts';
import { databaseKinds } from '../helpers/databases.ts';

async function schemaFingerprint(db: import('../../server/db/database.ts').Database): Promise<string> {
  const columns = await db.query(
    `select table_schema, table_name, column_name, data_type from information_schema.columns
     where table_schema in ('public', 'auth', 'mockflow') order by 1, 2, 3`,
  );
  const policies = await db.query(`select tablename, policyname, cmd from pg_policies order by 1, 2`);
  const ledger = await db.query(`select name from mockflow.schema_migrations order by name`);
  return JSON.stringify([columns.rows, policies.rows, ledger.rows]);
}

describe.each(databaseKinds)('migrations on $name', (kind) => {
  it('apply every file once; a second run changes nothing', async () => {
    const { db, dispose } = await kind.open({ migrate: false });
    try {
      const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
      expect(await migrate(db)).toEqual(files);
      const before = await schemaFingerprint(db);
      expect(await migrate(db)).toEqual([]);
      expect(await schemaFingerprint(db)).toBe(before);
    } finally {
      await dispose();
    }
  });

  it('roll a broken file back entirely and name it', async () => {
    const { db, dispose } = await kind.open({ migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'mockflow-migrations-'));
    try {
      for (const f of await readdir(MIGRATIONS_DIR)) await writeFile(join(dir, f), await readFile(join(MIGRATIONS_DIR, f)));
      await writeFile(
        join(dir, '99990101000000_broken.sql'),
        'create table public.half_done (id int);\ninsert into public.half_done values (1);\nselect * from no_such_table;\n',
      );
      const error = await migrate(db, dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).message).toContain('99990101000000_broken.sql');
      expect((error as MigrationError).message).toMatch(/no_such_table/);
      const table = await db.query(`select to_regclass('public.half_done') as t`);
      expect(table.rows[0]).toEqual({ t: null });
      const ledger = await db.query(`select 1 from mockflow.schema_migrations where name = '99990101000000_broken.sql'`);
      expect(ledger.rows).toHaveLength(0);
      // The good files before it stay applied.
      const good = await db.query(`select count(*)::int as n from mockflow.schema_migrations`);
      expect((good.rows[0] as { n: number }).n).toBe((await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).length);
    } finally {
      await dispose();
    }
  });
});
