// `npm run keys:rotate` as an operator runs it: the real CLI in its own process, against an
// embedded database in DATA_DIR holding keys sealed under the old ENCRYPTION_KEY.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userForIdentity } from '../../server/auth/users.ts';
import { Fernet } from '../../server/crypto/fernet.ts';
import { createVault } from '../../server/crypto/vault.ts';
import { PGLITE_DIR_NAME } from '../../server/db/open.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { ROOT } from '../../server/paths.ts';
import { saveKeys } from '../../server/keys/store.ts';
import { seededDataDir } from '../helpers/databases.ts';

const OLD_KEY = Fernet.generateKey();
const NEW_KEY = Fernet.generateKey();
const SECRET_KEY = 'rotate-cli-test-secret-key-0123456789abcdef';
const MARKER = `ROT${Date.now().toString(36)}X`;
const KEYS = {
  livekit_url: 'wss://rotate.example.com',
  livekit_api_key: `APIrot${MARKER}`,
  livekit_api_secret: `rot-secret-${MARKER}-abcdef`,
  openai_key: `sk-rot-${MARKER}`,
  deepgram_key: `dg-rot-${MARKER}`,
};

let dataDir: string;

/** Runs the CLI exactly as package.json's keys:rotate does. */
async function rotate(encryptionKey: string): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/run.mjs', 'server/keys/rotate-cli.ts'], {
    cwd: ROOT,
    // Only what the CLI needs: no DATABASE_URL from the surroundings, so it opens DATA_DIR.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: dataDir, ENCRYPTION_KEY: encryptionKey, SECRET_KEY },
    timeout: 60_000,
  });
  return { stdout, stderr };
}

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openPglite>>) => Promise<T>): Promise<T> {
  const db = await openPglite(join(dataDir, PGLITE_DIR_NAME));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  dataDir = await seededDataDir('mockflow-rotate-');
  await withDatabase(async (db) => {
    const ada = await userForIdentity(db, 'google', 'ada', { name: 'Ada' });
    await saveKeys(db, ada.id, KEYS, createVault([OLD_KEY]));
    // A second user with only some keys.
    const ben = await userForIdentity(db, 'google', 'ben', { name: 'Ben' });
    await saveKeys(db, ben.id, { openai_key: `sk-ben-${MARKER}` }, createVault([OLD_KEY]));
  });
}, 120_000);
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run keys:rotate', () => {
  it('re-seals every saved key under the new first key, then finds nothing more to do, printing no secret', async () => {
    const first = await rotate(`${NEW_KEY},${OLD_KEY}`);
    expect(JSON.parse(first.stdout.trim())).toEqual({ rows: 2, resealed: 6, current: 0, unreadableRows: 0 });

    const second = await rotate(`${NEW_KEY},${OLD_KEY}`);
    expect(JSON.parse(second.stdout.trim())).toEqual({ rows: 2, resealed: 0, current: 6, unreadableRows: 0 });

    // The new key alone opens everything now.
    const opened = await withDatabase(async (db) => {
      const { rows } = await db.query<{ openai_key: string }>('select openai_key from public.user_api_keys order by openai_key');
      return rows.map((r) => createVault([NEW_KEY]).open(r.openai_key)).sort();
    });
    expect(opened).toEqual([KEYS.openai_key, `sk-ben-${MARKER}`].sort());

    // Without the key the rows were sealed under, they are reported, not a crash.
    const lost = await rotate(Fernet.generateKey());
    expect(JSON.parse(lost.stdout.trim())).toEqual({ rows: 2, resealed: 0, current: 0, unreadableRows: 2 });
    expect(lost.stderr).toMatch(/2 user\(s\) have keys that no configured ENCRYPTION_KEY opens/);

    const printed = [first, second, lost].map((r) => r.stdout + r.stderr).join('\n');
    for (const secret of [MARKER, OLD_KEY, NEW_KEY, SECRET_KEY]) expect(printed).not.toContain(secret);
  }, 180_000);
});
