// What a child is forked with: the entry, the node flags, and an environment without secrets.

import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import type { StartMessage } from '../../agent/protocol.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, AGENT_SOURCE, agentEntry, childEnv } from '../../server/workers/spawn.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-llm.ts';
import { KEY, makePool, recorder, textStart } from './helpers.ts';

const SECRETS: Record<string, string> = {
  DATABASE_URL: 'postgres://mockflow:db-password-31337@db.example.com:5432/postgres',
  SECRET_KEY: 'secret-key-value-0123456789abcdef0123456789',
  ENCRYPTION_KEY: 'ZmVybmV0LWtleS12YWx1ZS0wMTIzNDU2Nzg5YWJjZGU=',
  SUPABASE_SERVICE_ROLE_KEY: 'supabase-service-role-value-777',
  GOOGLE_CLIENT_SECRET: 'google-client-secret-value-888',
};

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: KEY });
});
afterAll(async () => {
  await fake?.close();
});

describe('forking the agent', () => {
  it('keeps only the allow-listed environment', () => {
    const env = childEnv({
      ...SECRETS,
      PATH: '/usr/bin',
      NODE_ENV: 'production',
      LANG: 'en_US.UTF-8',
      LANGUAGE: 'en',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      HOME: '/home/app',
      TMPDIR: '/tmp',
      AGENT_LOG_LEVEL: 'info',
      NODE_OPTIONS: '--inspect',
      SUPABASE_URL: 'https://abcd.supabase.co',
      GOOGLE_CLIENT_ID: 'id',
      PORT: '3000',
    });
    expect(Object.keys(env).sort()).toEqual(
      ['AGENT_LOG_LEVEL', 'HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'NODE_ENV', 'PATH', 'TMPDIR', 'TZ'].sort(),
    );
  });

  it('runs the sources through tsx, and the bundle when compiled', () => {
    expect(agentEntry(false)).toEqual({ path: AGENT_SOURCE, execArgv: ['--import', 'tsx'] });
    let compiled: ReturnType<typeof agentEntry> | Error;
    try {
      compiled = agentEntry(true);
    } catch (error) {
      compiled = error as Error;
    }
    if (compiled instanceof Error) expect(compiled.message).toContain('npm run build');
    else expect(compiled).toEqual({ path: AGENT_BUNDLE, execArgv: [] });
  });

  it("gives the child none of the server's secrets, and the keys only over IPC", async () => {
    const saved = Object.fromEntries(Object.keys(SECRETS).map((name) => [name, process.env[name]]));
    Object.assign(process.env, SECRETS);
    // From the sources, as `npm start` forks it in development.
    const { pool } = makePool({ heapMb: 160, entry: agentEntry(false) });
    try {
      const child = await pool.start({ start: textStart('iv-env', fake.url) });
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8');
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      for (const [name, value] of Object.entries(SECRETS)) {
        expect(environ).not.toContain(`${name}=`);
        expect(environ).not.toContain(value);
        expect(cmdline).not.toContain(value);
      }
      for (const text of [environ, cmdline]) expect(text).not.toContain(KEY);
      const names = environ.split('\0').filter(Boolean).map((entry) => entry.split('=')[0]!);
      for (const name of names) expect(name).toMatch(/^(PATH|NODE_ENV|LANG|LANGUAGE|LC_\w+|TZ|HOME|TMPDIR|AGENT_LOG_LEVEL|NODE_CHANNEL_\w+)$/);
      expect(names).toContain('PATH');

      const args = cmdline.split('\0');
      expect(args).toContain('--max-old-space-size=160');
      expect(args).toContain('--max-semi-space-size=1');
      expect(args).toContain(AGENT_SOURCE);
      expect(args.filter((a) => a.startsWith('--inspect'))).toEqual([]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await pool.shutdown();
    }
  }, 120_000);

  it('runs an interview from the production bundle', async () => {
    // The run bundled the current sources the way `npm run build` does (test/setup/agent-bundle.ts).
    const { pool } = makePool({ entry: agentEntry(true) });
    const rec = recorder();
    const child = await pool.start({ start: textStart('iv-bundle', fake.url), ...rec.callbacks });
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')).toContain(AGENT_BUNDLE);
    await rec.waitFor(() => rec.items().length >= 1, 'greeting');
    await child.stop('candidate');
    expect((await child.ended).reason).toBe('candidate');
    await pool.shutdown();
  }, 120_000);

  it('builds the voice pipeline from the production bundle (Silero VAD finds its model beside the bundled code)', async () => {
    const closed = await closedPort();
    const { pool } = makePool({ entry: agentEntry(true) });
    const start: StartMessage = {
      ...textStart('iv-bundle-voice', fake.url),
      mode: 'voice',
      keys: { llmApiKey: KEY, llmBaseUrl: fake.url, llmModel: 'gpt-4o-mini', deepgramKey: 'dg-key-unused', ttsProvider: 'deepgram' },
      livekit: { url: `ws://127.0.0.1:${closed}`, token: 'agent.jwt.token', room: 'room-bundle', candidateIdentity: 'candidate-x' },
    };
    // STT, TTS and VAD are built before the room is joined: with nothing listening at the LiveKit URL the start
    // fails on LiveKit, which it only reaches once the VAD has loaded its model.
    const failure = await pool.start({ start, ...recorder().callbacks }).then(
      () => undefined,
      (error: unknown) => error as { provider?: string; message: string },
    );
    expect(failure?.message).toMatch(/LiveKit/);
    expect(failure?.message).not.toMatch(/could not start/);
    await pool.shutdown();
  }, 120_000);
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

