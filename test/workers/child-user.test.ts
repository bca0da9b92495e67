import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, forgetSecrets, parseConfig } from '../../server/config.ts';
import { resolveChildUser } from '../../server/workers/child-user.ts';
import { startInterviewModel, startTextInterview } from '../interviews/helpers.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET_KEY, type TestApp } from '../helpers/app.ts';

const PASSWD = [
  { name: 'root', uid: 0, gid: 0 },
  { name: 'nobody', uid: 65534, gid: 65534 },
  { name: 'mockflow', uid: 1500, gid: 1600 },
];

describe('which user an agent child runs as', () => {
  it('a root server forks as nobody by default, as AGENT_USER when set, and as root only when asked', () => {
    expect(resolveChildUser(undefined, 0, PASSWD)).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(resolveChildUser('mockflow', 0, PASSWD)).toEqual({ name: 'mockflow', uid: 1500, gid: 1600 });
    expect(resolveChildUser('1500', 0, PASSWD)).toEqual({ name: 'mockflow', uid: 1500, gid: 1600 });
    expect(resolveChildUser('4242', 0, PASSWD)).toEqual({ name: '4242', uid: 4242, gid: 4242 });
    expect(resolveChildUser('root', 0, PASSWD)).toBeUndefined();
    // An image without a passwd entry for nobody still gets the conventional 65534.
    expect(resolveChildUser(undefined, 0, [])).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(() => resolveChildUser('no-such-user', 0, PASSWD)).toThrow(ConfigError);
    expect(() => resolveChildUser('no-such-user', 0, PASSWD)).toThrow(/AGENT_USER names no user on this machine/);
  });

  it('a server that is not root keeps its own user, and refuses AGENT_USER with a reason', () => {
    expect(resolveChildUser(undefined, 1000, PASSWD)).toBeUndefined();
    expect(() => resolveChildUser('nobody', 1000, PASSWD)).toThrow(/AGENT_USER needs the server to run as root/);
  });
});

describe('the server environment after start-up', () => {
  it('no longer holds the secrets once the config has them', () => {
    const env: Record<string, string | undefined> = {
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: 'postgres://u:password@db.example/app',
      GOOGLE_CLIENT_ID: 'id',
      GOOGLE_CLIENT_SECRET: 'google-secret',
      SUPABASE_SERVICE_ROLE_KEY: 'service-role',
      PORT: '4000',
    };
    const config = parseConfig(env);
    forgetSecrets(env);
    expect(env).toEqual({ GOOGLE_CLIENT_ID: 'id', PORT: '4000' });
    expect(config.secretKey).toBe(TEST_SECRET_KEY);
    expect(config.database.url).toBe('postgres://u:password@db.example/app');
  });
});

const isRoot = process.getuid?.() === 0;

describe('a root server and its interview children', () => {
  let llm: FakeOpenAI;
  let app: TestApp | undefined;
  beforeAll(async () => {
    llm = await startInterviewModel();
  });
  afterAll(() => llm.close());
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('runs each child as nobody, which cannot read the server’s /proc environ, and the interview works', async () => {
    if (!isRoot) {
      console.log('child user: the tests do not run as root, so children cannot be started as another user; only the rules above are checked');
      return;
    }
    app = await startTestApp({ env: { AGENT_WARM_SPARE: 'true' } });
    const spare = app.pool.sparePid();
    expect(spare).toBeGreaterThan(0);
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(readFileSync(`/proc/${spare}/status`, 'utf8'));
    expect(uids?.slice(1)).toEqual(['65534', '65534', '65534', '65534']);
    const groups = /^Groups:[ \t]*(.*)$/m.exec(readFileSync(`/proc/${spare}/status`, 'utf8'))?.[1]?.trim();
    expect(['', '65534'], `groups ${groups}`).toContain(groups);

    // What such a child would get when it tries to read this server's environment and memory.
    for (const file of ['environ', 'mem', 'maps']) {
      const read = spawnSync('cat', [`/proc/${process.pid}/${file}`], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(read.status, file).not.toBe(0);
      expect(read.stderr, file).toMatch(/Permission denied/);
      expect(read.stdout, file).not.toContain(TEST_SECRET_KEY);
    }

    // The interview itself still runs in that child.
    const { agent, token, id, stream } = await startTextInterview(app, llm.url);
    await stream.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));
    await agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', token).send({ text: 'I build payment systems.' }).expect(202);
    await stream.next((e) => e.event === 'item' && e.data.role === 'assistant' && /^Question/.test(e.data.text));
    await agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', token);
    stream.close();
  }, 90_000);
});
