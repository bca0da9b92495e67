// Creating an embedded database (initdb inside WASM) costs about a second of CPU; loading a
// dump of one costs a third of that. The run migrates one database, dumps it once, and every
// test's fresh database starts as a copy of the dump (test/helpers/databases.ts freshPglite).
import { PGlite } from '@electric-sql/pglite';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../server/db/migrate.ts';
import { wrapPglite } from '../../server/db/pglite.ts';
import { PGLITE_OPTIONS } from '../../server/db/pglite-options.ts';

/**
 * Where the dump (PGlite's dumpDataDir, an uncompressed tar) is: in the environment, so the test
 * workers and the processes tests start (test/voice/voice-run.ts) find it.
 */
export const PGLITE_TEMPLATE_ENV = 'MOCKFLOW_TEST_PGLITE_TEMPLATE';

export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'mockflow-pglite-template-'));
  const pg = await PGlite.create(undefined, PGLITE_OPTIONS);
  await migrate(wrapPglite(pg));
  const file = join(dir, 'migrated.tar');
  await writeFile(file, Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()));
  await pg.close();
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return () => rm(dir, { recursive: true, force: true });
}
