import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/open.ts';
import { TEST_ENCRYPTION_KEY, TEST_SECRET_KEY } from '../helpers/app.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Every path under `root` that is not owner-only (directories 0700, files 0600), with its mode. */
function notPrivate(root: string): string[] {
  const wrong: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) wrong.push(`${path} ${mode.toString(8)}`);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (mode !== 0o600) wrong.push(`${path} ${mode.toString(8)}`);
  };
  walk(root);
  return wrong;
}

function directoryModes(root: string): string[] {
  const modes = new Set<string>();
  const walk = (path: string) => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return;
    modes.add((stat.mode & 0o777).toString(8));
    for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(root);
  return [...modes];
}

describe('the embedded database on disk', () => {
  it('keeps DATA_DIR owner-only: directories 0700, files 0600, also those of an older, world-readable one', async () => {
    const base = await mkdtemp(join(tmpdir(), 'mockflow-modes-'));
    dirs.push(base);
    const dataDir = join(base, 'data');
    const config = parseConfig({ DATA_DIR: dataDir, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY });
    let db = await openDatabase(config);
    await db.query('create table scratch (x int)');
    await db.query('insert into scratch values (1)');
    // Files PGlite writes after opening may be 0666 (its file system ignores the umask): the
    // 0700 directories above them keep them from anyone else.
    expect(directoryModes(dataDir)).toEqual(['700']);
    await db.close();

    // A directory made by an earlier version, open to everyone, is closed at the next start.
    chmodSync(dataDir, 0o777);
    mkdirSync(join(dataDir, 'old'), { mode: 0o777 });
    chmodSync(join(dataDir, 'old'), 0o777);
    writeFileSync(join(dataDir, 'old', 'left-over'), 'x');
    chmodSync(join(dataDir, 'old', 'left-over'), 0o666);
    db = await openDatabase(config);
    expect(notPrivate(dataDir)).toEqual([]);
    expect((await db.query<{ x: number }>('select x from scratch')).rows).toEqual([{ x: 1 }]);
    await db.close();
  }, 120_000); // two opens of an on-disk database, the first with initdb in its own process
});
