import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../server/db/migrate.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { Client } from '../helpers/client.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('local sign-in and sessions', () => {
  it('"Continue as local user" signs in one local account and lands on the dashboard', async () => {
    app = await startTestApp();
    const client = app.client();
    const landing = await client.get('/');
    expect(landing.text).toContain('Continue as local user');
    expect(landing.text).not.toContain('Sign in with Google');
    const reply = await client.submit('/auth/local');
    expect(reply.status).toBe(302);
    expect(reply.location).toBe('/dashboard');
    expect((await client.get('/dashboard')).text).toContain('Local user');
    const first = (await client.request('GET', '/api/me', { headers: { accept: 'application/json' } })).json().id;
    const other = app.client();
    await other.signInLocally();
    expect((await other.request('GET', '/api/me', { headers: { accept: 'application/json' } })).json().id).toBe(first);
  });

  it('sends signed-out visitors to sign in and back to where they were going', async () => {
    app = await startTestApp();
    const client = app.client();
    const page = await client.get('/settings');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/');
    const api = await client.request('GET', '/api/me', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(api.json()).toMatchObject({ error: 'unauthorized' });
    const signedIn = await client.submit('/auth/local');
    expect(signedIn.location).toBe('/settings');
  });

  it('keeps a session across a server restart on the same database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mockflow-session-'));
    try {
      let db = await openPglite(dir);
      await migrate(db);
      app = await startTestApp({ db });
      const client = app.client();
      await client.signInLocally();
      const cookie = client.cookies.get('mockflow.sid')!;
      await app.close();
      await db.close();

      db = await openPglite(dir);
      app = await startTestApp({ db });
      const returning = new Client(app.url);
      returning.cookies.set('mockflow.sid', cookie);
      const dashboard = await returning.get('/dashboard');
      expect(dashboard.status).toBe(200);
      expect(dashboard.text).toContain('Local user');
      await app.close();
      app = undefined;
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('treats a tampered session cookie as signed out', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    const cookie = decodeURIComponent(client.cookies.get('mockflow.sid')!);
    const [sid, signature] = cookie.slice(2).split('.');
    const tampered = new Client(app.url);
    tampered.cookies.set('mockflow.sid', encodeURIComponent(`s:${sid}.${signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`));
    expect((await tampered.get('/dashboard')).status).toBe(303);
    const forged = new Client(app.url);
    forged.cookies.set('mockflow.sid', encodeURIComponent(`s:${sid}`));
    expect((await forged.get('/dashboard')).status).toBe(303);
    expect((await client.get('/dashboard')).status).toBe(200);
  });

  it('prunes expired sessions', async () => {
    app = await startTestApp();
    await app.client().signInLocally();
    await app.db.query(`update mockflow.sessions set expire = now() - interval '1 minute'`);
    const { createSessions } = await import('../../server/auth/session.ts');
    const sessions = createSessions(app.db, { secret: 'x'.repeat(40), secure: false, pruneSeconds: 1 });
    // The store's pruning timer starts with its first use, then runs on its interval.
    sessions.store.get('no-such-session', () => {});
    await expect.poll(async () => (await app!.db.query('select count(*)::int as n from mockflow.sessions')).rows[0], { timeout: 5_000 }).toEqual({ n: 0 });
    sessions.close();
  });

  it('answers /auth/local with 404 in production (behind an HTTPS proxy)', async () => {
    app = await startTestApp({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_CLIENT_SECRET: 'secret',
      },
    });
    const client = app.client();
    client.defaultHeaders['x-forwarded-proto'] = 'https';
    expect((await client.submit('/auth/local')).status).toBe(404);
  });
});
