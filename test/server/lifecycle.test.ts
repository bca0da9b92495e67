import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { seededDataDir } from '../helpers/databases.ts';
import { spawnServer, spawnStartScript } from '../helpers/processes.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the server process', () => {
  it('starts on embedded storage with nothing configured, stops cleanly on SIGTERM, and reuses its data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mockflow-data-'));
    dirs.push(dataDir);

    // The first start creates the embedded database (5 to 20 s, as it says; longer on a busy machine).
    // The production build (the next test starts the sources), without a spare interview child:
    // neither is what this is about, and each costs seconds of CPU.
    const first = await spawnServer({ DATA_DIR: dataDir, AGENT_WARM_SPARE: 'false' }, 90_000, true);
    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', database: 'connected', workers: { active: 0, max: 3 } });
    expect(first.output()).toMatch(/generated them into/);
    expect(first.output()).toMatch(/migrations applied/);
    // The first start says why it is quiet for a while, before it goes quiet.
    const setup = first.output().search(/Setting up the embedded database \(first start only, 5 to 20 s\)/);
    expect(setup).toBeGreaterThan(-1);
    expect(setup).toBeLessThan(first.output().search(/migrations applied/));
    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8'));
    // The generated secrets are never logged.
    expect(first.output()).not.toContain(secrets.encryptionKey);
    expect(first.output()).not.toContain(secrets.secretKey);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped/);

    const second = await spawnServer({ DATA_DIR: dataDir, AGENT_WARM_SPARE: 'false' }, 30_000, true);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
    expect(second.output()).not.toMatch(/generated them into/);
    expect(second.output()).not.toMatch(/migrations applied/);
    expect(second.output()).not.toMatch(/Setting up the embedded database/);
    expect(JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8'))).toEqual(secrets);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('starts through `npm start` (scripts/start.mjs) from the sources, with no build step', async () => {
    // The first start's database set-up is the test above's.
    const dataDir = await seededDataDir();
    dirs.push(dataDir);
    const server = await spawnStartScript({ DATA_DIR: dataDir, AGENT_WARM_SPARE: 'false' });
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'healthy', database: 'connected' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses to start in production without its settings, naming each and printing no value', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', SECRET_KEY: 'short-VALUE-MUST-NOT-PRINT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const name of ['DATABASE_URL', 'ENCRYPTION_KEY', 'SECRET_KEY', 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'PUBLIC_URL', 'TRUST_PROXY_HOPS']) {
      expect(out).toContain(name);
    }
    expect(out).not.toContain('VALUE-MUST-NOT-PRINT');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
