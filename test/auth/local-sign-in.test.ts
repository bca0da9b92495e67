import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/lifecycle.ts';
import { startTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET_KEY, type TestApp } from '../helpers/app.ts';
import { Client } from '../helpers/client.ts';
import { captureLogs } from '../helpers/logs.ts';

const ELSEWHERE = /works only in a browser on the machine running MockFlow/;

let app: TestApp | undefined;
let running: RunningServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.close();
  await running?.shutdown('test over');
  app = running = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** An IPv4 address of this machine that is not loopback, for reaching it "from the network". */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

async function startLaptopServer(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'mockflow-laptop-'));
  dirs.push(dataDir);
  const logs = captureLogs('info');
  running = await startServer(
    { PORT: '0', DATA_DIR: dataDir, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SECRET_KEY: TEST_SECRET_KEY, AGENT_WARM_SPARE: 'false', ...env },
    { logger: logs.logger },
  );
  return { server: running, logs, port: (running.server.address() as AddressInfo).port };
}

// Each test starts the real server on a fresh embedded database (initdb in its own process).
const SERVER_TEST_MS = 120_000;

describe('laptop mode (no Google client) and the network', () => {
  it('listens on 127.0.0.1 only when HOST is unset', async () => {
    const { server, port, logs } = await startLaptopServer();
    expect((server.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(logs.text()).not.toMatch(/reachable from the network/);
    const external = externalAddress();
    if (!external) {
      console.log('laptop-mode bind: this machine has no non-loopback IPv4 address, so only the bound address is checked');
      return;
    }
    const refused = await fetch(`http://${external}:${port}/health`).then(
      () => 'answered',
      (err: { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
  }, SERVER_TEST_MS);

  it('with HOST set to every interface, warns loudly and still signs in only a browser on this machine', async () => {
    const external = externalAddress();
    if (!external) {
      console.log('laptop-mode HOST=0.0.0.0: this machine has no non-loopback IPv4 address to come from; skipped');
      return;
    }
    const { port, logs } = await startLaptopServer({ HOST: '0.0.0.0' });
    expect(logs.text()).toMatch(/HOST makes this laptop-mode server reachable from the network/);

    // The request comes in on the machine's own network address, as another machine's would.
    const remote = new Client(`http://${external}:${port}`);
    const landing = await remote.get('/');
    expect(landing.status).toBe(200);
    expect(landing.text).not.toContain('Continue as local user</button>');
    expect(landing.text).toMatch(ELSEWHERE);
    const refused = await remote.request('POST', '/auth/local', {
      form: { _csrf: await remote.csrf() },
      headers: { accept: 'application/json' },
    });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(ELSEWHERE) });
    expect((await remote.get('/dashboard')).status).toBe(303);

    const local = new Client(`http://127.0.0.1:${port}`);
    expect((await local.get('/')).text).toContain('Continue as local user');
    await local.signInLocally();
    expect((await local.get('/dashboard')).status).toBe(200);
  }, SERVER_TEST_MS);
});

describe('local sign-in answers a loopback client that asked for a loopback name', () => {
  it('refuses a client that a trusted proxy reports as remote', async () => {
    app = await startTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
    const client = app.client();
    client.defaultHeaders['x-forwarded-for'] = '198.51.100.7';
    expect((await client.get('/')).text).toMatch(ELSEWHERE);
    const reply = await client.request('POST', '/auth/local', { form: { _csrf: await client.csrf() } });
    expect(reply.status).toBe(403);
    expect(reply.text).toMatch(ELSEWHERE);
  });

  it('ignores X-Forwarded-For when no proxy is configured (it cannot make a remote client local, nor the reverse)', async () => {
    app = await startTestApp();
    const client = app.client();
    client.defaultHeaders['x-forwarded-for'] = '198.51.100.7';
    await client.signInLocally();
    expect((await client.get('/dashboard')).status).toBe(200);
  });

  it('refuses a page reached through DNS rebinding (a loopback socket, a foreign Host)', async () => {
    app = await startTestApp();
    const port = new URL(app.url).port;
    // fetch() sets Host from the URL; a rebound name arrives as the page's own host name.
    const rebound = await requestWithHost(app.url, 'attacker.example', 'GET', '/');
    expect(rebound.body).toMatch(ELSEWHERE);
    const post = await requestWithHost(app.url, 'attacker.example', 'POST', '/auth/local', {
      cookie: rebound.cookie,
      form: `_csrf=${encodeURIComponent(/name="_csrf" value="([^"]+)"/.exec(rebound.body)?.[1] ?? '')}`,
    });
    expect(post.status).toBe(403);
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '[::1]']) {
      const page = await requestWithHost(app.url, `${host}:${port}`, 'GET', '/');
      expect(page.body, host).toContain('Continue as local user');
    }
  });
});

/** One request whose Host header is `host`, whatever address it is sent to. */
function requestWithHost(
  base: string,
  host: string,
  method: string,
  path: string,
  extra: { cookie?: string; form?: string } = {},
): Promise<{ status: number; body: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, accept: 'text/html' };
    if (extra.cookie) headers.cookie = extra.cookie;
    if (extra.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const req = httpRequest(new URL(path, base), { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookie: res.headers['set-cookie']?.map((c) => c.split(';')[0]).join('; ') }));
    });
    req.once('error', reject);
    req.end(extra.form);
  });
}
