import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import request, { type Response } from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { PGLITE_DIR_NAME } from '../../server/db/open.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { seededDataDir } from '../helpers/databases.ts';
import { postForm, signInLocally } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Every stored session: signed in or not, and whole minutes until it expires (rounded). */
async function sessionRows(app: TestApp) {
  const rows = await app.db.query<{ signedIn: boolean; minutesLeft: number }>(
    `select (sess::jsonb ? 'user') as "signedIn", round(extract(epoch from expire - now()) / 60)::int as "minutesLeft"
       from mockflow.sessions order by 1, 2`,
  );
  return rows.rows;
}

/** Minutes until the session cookie set by this response expires (undefined: no cookie set). */
function cookieMinutesLeft(res: Response): number | undefined {
  const cookie = res.get('Set-Cookie')?.find((c) => c.startsWith('mockflow.sid='));
  const expires = cookie && /Expires=([^;]+)/.exec(cookie)?.[1];
  return expires ? Math.round((Date.parse(expires) - Date.now()) / 60_000) : undefined;
}

describe('what signed-out visitors cost', () => {
  it('no page a signed-out visitor can reach stores a session, the sign-in form included', async () => {
    app = await startTestApp();
    for (const path of ['/nothing-here', '/does/not/exist', '/static/app.css', '/health']) {
      const res = await request(app.server).get(path);
      expect(res.get('Set-Cookie'), path).toBeUndefined();
    }
    // The audit's flood: 600 cookie-less requests for the sign-in page, a signed-in page, and a token.
    for (let i = 0; i < 200; i++) {
      for (const path of ['/', '/dashboard', '/api/csrf']) {
        expect(cookieMinutesLeft(await request(app.server).get(path)), path).toBeUndefined();
      }
    }
    expect(await sessionRows(app)).toEqual([]);

    // The form still works: its token is in a cookie of its own for an hour, checked on submit.
    const browser = request.agent(app.server);
    const landing = await browser.get('/');
    expect(landing.text).toContain('Continue as local user');
    expect(landing.get('Set-Cookie')).toEqual([expect.stringMatching(/^mockflow\.csrf=.*Max-Age=3600; Path=\/; .*HttpOnly; SameSite=Lax$/)]);
    const token = /name="_csrf" value="([^"]+)"/.exec(landing.text)![1]!;
    await request(app.server).post('/auth/local').type('form').send({ _csrf: token }).expect(403);
    await browser.post('/auth/local').type('form').send({ _csrf: 'x'.repeat(256) }).expect(403);
    await browser.post('/auth/local').type('form').send({ _csrf: token }).expect(302);
    expect(await sessionRows(app)).toEqual([{ signedIn: true, minutesLeft: 30 * 24 * 60 }]);
  });

  it('the 30-day life starts at sign-in and rolls with use', async () => {
    app = await startTestApp();
    const browser = request.agent(app.server);
    expect(cookieMinutesLeft(await browser.get('/'))).toBeUndefined();
    const signedIn = await postForm(browser, '/auth/local');
    expect(signedIn.status).toBe(302);
    expect(cookieMinutesLeft(signedIn)).toBe(30 * 24 * 60);
    expect(await sessionRows(app)).toEqual([{ signedIn: true, minutesLeft: 30 * 24 * 60 }]);

    await app.db.query(`update mockflow.sessions set expire = expire - interval '1 day'`);
    expect(cookieMinutesLeft(await browser.get('/dashboard'))).toBe(30 * 24 * 60);
    expect(await sessionRows(app)).toEqual([{ signedIn: true, minutesLeft: 30 * 24 * 60 }]);

    // Signing out ends it; the next visit is a signed-out one again, and stores nothing.
    await postForm(browser, '/auth/logout');
    expect(cookieMinutesLeft(await browser.get('/'))).toBeUndefined();
    expect(await sessionRows(app)).toEqual([]);
  });
});

describe('local sign-in and sessions', () => {
  it('"Continue as local user" signs in one local account and lands on the dashboard', async () => {
    app = await startTestApp();
    const browser = request.agent(app.server);
    const landing = await browser.get('/');
    expect(landing.text).toContain('Continue as local user');
    expect(landing.text).not.toContain('Sign in with Google');
    const signedIn = await postForm(browser, '/auth/local');
    expect(signedIn.status).toBe(302);
    expect(signedIn.get('location')).toBe('/dashboard');
    expect((await browser.get('/dashboard')).text).toContain('Local user');
    const first = (await browser.get('/api/me').expect(200)).body.id;
    expect((await signInLocally(app)).userId).toBe(first);
  });

  it('sends signed-out visitors to sign in and back to where they were going', async () => {
    app = await startTestApp();
    const browser = request.agent(app.server);
    await browser.get('/settings').expect(303).expect('location', '/');
    const api = await browser.get('/api/me').accept('json').expect(401);
    expect(api.body).toMatchObject({ error: 'unauthorized' });
    expect((await postForm(browser, '/auth/local')).get('location')).toBe('/settings');
  });

  it('keeps a session across a server restart on the same database', async () => {
    const dir = await seededDataDir('mockflow-session-');
    try {
      let db = await openPglite(join(dir, PGLITE_DIR_NAME));
      app = await startTestApp({ db });
      const { cookie } = await signInLocally(app);
      await app.close();
      await db.close();

      db = await openPglite(join(dir, PGLITE_DIR_NAME));
      app = await startTestApp({ db });
      const dashboard = await request(app.server).get('/dashboard').set('cookie', cookie).expect(200);
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
    const { agent, cookie } = await signInLocally(app);
    const [sid, signature] = decodeURIComponent(cookie.slice('mockflow.sid='.length)).slice(2).split('.');
    const tampered = encodeURIComponent(`s:${sid}.${signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`);
    await request(app.server).get('/dashboard').set('cookie', `mockflow.sid=${tampered}`).expect(303);
    await request(app.server).get('/dashboard').set('cookie', `mockflow.sid=${encodeURIComponent(`s:${sid}`)}`).expect(303);
    await agent.get('/dashboard').expect(200);
  });

  it('prunes expired sessions, signed in or not, and only those', async () => {
    app = await startTestApp();
    await signInLocally(app);
    // A signed-out session, as Google sign-in leaves one while it is under way (its OAuth state).
    const { createSessions } = await import('../../server/auth/session.ts');
    const sessions = createSessions(app.db, { secret: 'x'.repeat(40), secure: false, pruneSeconds: 1 });
    const inAnHour = { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000) };
    await new Promise<void>((resolve, reject) => sessions.store.set('oauth-under-way', { cookie: inAnHour } as never, (err) => (err ? reject(err) : resolve())));
    expect(await sessionRows(app)).toEqual([
      { signedIn: false, minutesLeft: 60 },
      { signedIn: true, minutesLeft: 30 * 24 * 60 },
    ]);
    // An hour later: the signed-out session has expired, the signed-in one has not.
    await app.db.query(`update mockflow.sessions set expire = expire - interval '61 minutes'`);
    // The store's pruning timer starts with its first use, then runs on its interval.
    sessions.store.get('no-such-session', () => {});
    await waitFor(async () => (await sessionRows(app!)).length === 1, { explain: 'the expired session to be pruned', timeoutMs: 5_000 });
    expect(await sessionRows(app)).toEqual([{ signedIn: true, minutesLeft: 30 * 24 * 60 - 61 }]);
    sessions.close();
  });

  it('answers /auth/local with 404 in production (behind an HTTPS proxy)', async () => {
    app = await startTestApp({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
        PUBLIC_URL: 'https://mockflow.example',
        TRUST_PROXY_HOPS: '1',
        GOOGLE_CLIENT_ID: 'id',
        GOOGLE_CLIENT_SECRET: 'secret',
      },
    });
    const browser = request.agent(app.server).set('x-forwarded-proto', 'https');
    expect((await postForm(browser, '/auth/local')).status).toBe(404);
    // Without a CSRF token too: the route is absent, not guarded.
    await browser.post('/auth/local').type('form').send({}).expect(404);
    expect((await browser.post('/auth/local').accept('json').send({})).body).toMatchObject({ error: 'not_found' });
  });
});
