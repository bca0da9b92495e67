// A MockFlow server process for a benchmark, signed in through the fake Google (test/fakes/google.ts):
// a temporary data directory of its own, and PostgreSQL when BENCH_DATABASE_URL is set (embedded
// PGlite otherwise).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGoogle } from '../test/fakes/google.ts';
import { Client } from './client.ts';
import { type ServerProcess, spawnServer } from '../test/helpers/processes.ts';

export interface BenchServerOptions {
  /** dist/server/main.js (after `npm run build`) instead of server/main.ts through tsx. */
  compiled: boolean;
  /** Node flags before the entry point. */
  nodeArgs?: string[];
  /** Environment beyond the data directory, the database and Google's endpoints (LOG_LEVEL is info unless set here). */
  env?: Record<string, string>;
  /** Variables of this process's environment passed on when set. */
  passEnv?: string[];
}

export interface BenchServer extends ServerProcess {
  /** What the JSON line reports. */
  database: 'postgres' | 'pglite';
  /** Makes user n the one the fake Google signs in next. */
  nextUser(n: number): void;
  /** A client signed in as user n (bench-n). */
  signIn(n: number): Promise<Client>;
  /** Stops the server and the fake Google and removes the data directory. */
  close(): Promise<void>;
}

export async function startBenchServer({ compiled, nodeArgs = [], env = {}, passEnv = [] }: BenchServerOptions): Promise<BenchServer> {
  const user = (n: number) => ({ sub: `bench-${n}`, email: `bench-${n}@example.test`, name: `Bench ${n}` });
  const google = await startFakeGoogle(user(0));
  const dataDir = await mkdtemp(join(tmpdir(), 'mockflow-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const passed = passEnv.filter((name) => process.env[name]).map((name) => [name, process.env[name]!]);
  const server = await spawnServer(
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      GOOGLE_CLIENT_ID: 'bench-client',
      GOOGLE_CLIENT_SECRET: 'bench-secret',
      GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GOOGLE_USERINFO_URL: google.userInfoUrl,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...env,
      ...Object.fromEntries(passed),
    },
    60_000,
    compiled,
    nodeArgs,
  );
  const nextUser = (n: number) => {
    google.user = user(n);
  };
  return {
    ...server,
    database: databaseUrl ? 'postgres' : 'pglite',
    nextUser,
    async signIn(n) {
      nextUser(n);
      const client = new Client(server.url);
      // The app → the fake Google's consent → back to the app's callback, which sends the user on to the dashboard.
      const consent = await client.get((await client.get('/auth/google')).location!);
      const callback = new URL(consent.location!);
      const signedIn = await client.get(callback.pathname + callback.search);
      if (signedIn.status !== 302 || !signedIn.location?.endsWith('/dashboard')) {
        throw new Error(`sign-in ${n}: ${signedIn.status} to ${signedIn.location} ${signedIn.text}`);
      }
      return client;
    },
    async close() {
      server.child.kill('SIGTERM');
      await server.exited;
      await google.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
