import { rm } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/lifecycle.ts';
import { startTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET_KEY, type TestApp } from '../helpers/app.ts';
import { seededDataDir } from '../helpers/databases.ts';
import { captureLogs } from '../helpers/logs.ts';
import { csrfToken, postForm, signInLocally } from '../helpers/session.ts';

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
  const dataDir = await seededDataDir('mockflow-laptop-');
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
    const remote = request.agent(`http://${external}:${port}`);
    const landing = await remote.get('/').expect(200);
    expect(landing.text).not.toContain('Continue as local user</button>');
    expect(landing.text).toMatch(ELSEWHERE);
    const token = await csrfToken(remote);
    const refused = await remote.post('/auth/local').accept('json').type('form').send({ _csrf: token }).expect(403);
    expect(refused.body).toMatchObject({ error: 'forbidden', message: expect.stringMatching(ELSEWHERE) });
    await remote.get('/dashboard').expect(303);

    const local = request.agent(`http://127.0.0.1:${port}`);
    expect((await local.get('/')).text).toContain('Continue as local user');
    await signInLocally(local);
    await local.get('/dashboard').expect(200);
  }, SERVER_TEST_MS);
});

describe('local sign-in answers a loopback client that asked for a loopback name', () => {
  it('refuses a client that a trusted proxy reports as remote', async () => {
    app = await startTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
    const browser = request.agent(app.server).set('x-forwarded-for', '198.51.100.7');
    expect((await browser.get('/')).text).toMatch(ELSEWHERE);
    const reply = await postForm(browser, '/auth/local');
    expect(reply.status).toBe(403);
    expect(reply.text).toMatch(ELSEWHERE);
  });

  it('ignores X-Forwarded-For when no proxy is configured (it cannot make a remote client local, nor the reverse)', async () => {
    app = await startTestApp();
    const browser = request.agent(app.server).set('x-forwarded-for', '198.51.100.7');
    await signInLocally(browser);
    await browser.get('/dashboard').expect(200);
  });

  it('refuses a page reached through DNS rebinding (a loopback socket, a foreign Host)', async () => {
    app = await startTestApp();
    const port = new URL(app.url).port;
    // A rebound name arrives as the page's own host name, on a loopback connection.
    const rebound = request.agent(app.server).host('attacker.example');
    const page = await rebound.get('/');
    expect(page.text).toMatch(ELSEWHERE);
    await rebound
      .post('/auth/local')
      .type('form')
      .send({ _csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '' })
      .expect(403);
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '[::1]']) {
      const local = await request(app.server).get('/').set('host', `${host}:${port}`);
      expect(local.text, host).toContain('Continue as local user');
    }
  });
});
