import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startFakeSupabaseAuth, type FakeSupabaseAuth } from '../fakes/supabase-auth.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { consentWithGoogle, postForm, sessionCookie, signInWithGoogle, type Agent } from '../helpers/session.ts';

let google: FakeGoogle;
let app: TestApp | undefined;

beforeAll(async () => {
  google = await startFakeGoogle({ sub: '1098765', email: 'ada@example.test', name: 'Ada Lovelace', picture: 'https://example.test/ada.png' });
});
afterAll(() => google.close());
afterEach(async () => {
  google.failTokenWith = undefined;
  await app?.close();
  app = undefined;
});

function googleEnv(extra: Record<string, string> = {}) {
  return {
    GOOGLE_CLIENT_ID: 'test-client-id',
    GOOGLE_CLIENT_SECRET: 'test-client-secret-DO-NOT-LOG',
    GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_USERINFO_URL: google.userInfoUrl,
    ...extra,
  };
}

/** Click "Sign in with Google" (checking what Google is asked for), consent, and land back on the app. */
async function signInChecked(agent: Agent) {
  const { authorize, callback } = await consentWithGoogle(agent);
  expect(authorize.origin + authorize.pathname).toBe(google.authorizationUrl);
  expect(authorize.searchParams.get('scope')).toBe('openid email profile');
  expect(authorize.searchParams.get('state')).toBeTruthy();
  expect(authorize.searchParams.get('code_challenge')).toBeTruthy();
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${app!.url}/auth/callback`);
  return { callback: new URL(callback, app!.url), landing: await agent.get(callback) };
}

describe('Sign in with Google (local users)', () => {
  it('runs the code flow, lands on the dashboard signed in, and returns the same user next time', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const { landing } = await signInChecked(browser);
    expect(landing.status).toBe(302);
    expect(landing.get('location')).toBe('/dashboard');
    const dashboard = await browser.get('/dashboard').expect(200);
    expect(dashboard.text).toContain('Ada Lovelace');
    expect(dashboard.text).toContain('https://example.test/ada.png');
    const me = (await browser.get('/api/me')).body;
    expect(me).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.test' });
    // The client secret went to the token endpoint, and never into the logs.
    expect(google.tokenRequests.at(-1)?.client_secret).toBe('test-client-secret-DO-NOT-LOG');
    expect(app.logs.text()).not.toContain('test-client-secret-DO-NOT-LOG');

    const again = request.agent(app.server);
    await signInChecked(again);
    const meAgain = (await again.get('/api/me')).body;
    expect(meAgain.id).toBe(me.id);
    const identities = await app.db.query(`select provider, subject from mockflow.identities where user_id = $1`, [me.id]);
    expect(identities.rows).toEqual([{ provider: 'google', subject: '1098765' }]);
  });

  it('gives a new session id at sign-in (no session fixation) and signs out', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const before = sessionCookie(await browser.get('/auth/google'));
    expect(before).toBeTruthy();
    const after = sessionCookie(await signInWithGoogle(browser));
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    // The pre-sign-in cookie, if planted by someone else, is not signed in.
    await request(app.server).get('/dashboard').set('cookie', before!).expect(303);

    expect((await postForm(browser, '/auth/logout')).status).toBe(303);
    await browser.get('/dashboard').expect(303);
    const stored = await app.db.query(`select count(*)::int as n from mockflow.sessions where sess::jsonb ? 'user'`);
    expect(stored.rows[0]).toEqual({ n: 0 });
  });

  it('refuses a callback with a wrong or missing state, with a friendly page and a retry link', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const callback = new URL((await consentWithGoogle(browser)).callback, app.url);
    callback.searchParams.set('state', 'forged');
    const forged = await browser.get(callback.pathname + callback.search).expect(400);
    expect(forged.text).toContain('Sign-in did not work');
    expect(forged.text).toContain('href="/auth/google"');
    expect(forged.text).not.toMatch(/\bat .+:\d+:\d+/);
    callback.searchParams.delete('state');
    await browser.get(callback.pathname + callback.search).expect(400);
    await browser.get('/dashboard').expect(303);
  });

  it('shows a friendly page when the provider reports an error or its token endpoint fails', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const denied = await browser.get('/auth/callback?error=access_denied&state=x').expect(400);
    expect(denied.text).toContain('cancelled');

    google.failTokenWith = 500;
    const { landing, callback } = await signInChecked(browser);
    expect(landing.status).toBe(502);
    expect(landing.text).toContain('Google could not complete the sign-in.');
    expect(landing.text).toContain('href="/auth/google"');
    expect(landing.text).not.toMatch(/\bat .+:\d+:\d+/);
    const failure = app.logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'sign-in failed');
    expect(failure).toMatchObject({ provider: 'google' });
    expect(app.logs.text()).not.toContain('test-client-secret-DO-NOT-LOG');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(app.logs.text()).not.toContain(code!);
  });

  it('hides "Continue as local user" and answers 404 to it when Google is configured', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const landing = await browser.get('/');
    expect(landing.text).toContain('Sign in with Google');
    expect(landing.text).not.toContain('Continue as local user');
    expect((await postForm(browser, '/auth/local')).status).toBe(404);
    // Without a CSRF token too: the route is absent, not guarded.
    const noToken = await request(app.server).post('/auth/local').type('form').send({}).expect(404);
    expect(noToken.text).toContain('Page not found');
  });

  it('keeps the sign-in state in a session of an hour; the 30-day life starts at sign-in', async () => {
    app = await startTestApp({ env: googleEnv() });
    const browser = request.agent(app.server);
    const rows = async () =>
      (await app!.db.query(`select (sess::jsonb ? 'user') as "signedIn", round(extract(epoch from expire - now()) / 3600)::int as "hoursLeft" from mockflow.sessions order by 1`)).rows;
    // The landing page has only a link to sign in: no session for it.
    await browser.get('/');
    expect(await rows()).toEqual([]);
    const { landing } = await signInChecked(browser);
    expect(landing.status).toBe(302);
    expect(await rows()).toEqual([{ signedIn: true, hoursLeft: 30 * 24 }]);
    // Someone who starts signing in and never comes back.
    await request(app.server).get('/auth/google').expect(302);
    expect(await rows()).toEqual([{ signedIn: false, hoursLeft: 1 }, { signedIn: true, hoursLeft: 30 * 24 }]);
  });
});

describe('Sign in with Google linked to Supabase Auth', () => {
  let supabase: FakeSupabaseAuth;
  beforeAll(async () => {
    supabase = await startFakeSupabaseAuth();
  });
  afterAll(() => supabase.close());
  afterEach(() => {
    supabase.down = false;
  });

  it('exchanges the Google ID token with Supabase Auth and uses the Supabase user id', async () => {
    app = await startTestApp({ env: googleEnv({ SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey }) });
    const browser = request.agent(app.server);
    const { landing } = await signInChecked(browser);
    expect(landing.status).toBe(302);
    const me = (await browser.get('/api/me')).body;
    expect(me.id).toBe(supabase.users.get('1098765')!.id);
    expect(me.name).toBe('Ada Lovelace');
    // What reached Supabase was Google's ID token for this user.
    const claims = JSON.parse(Buffer.from(supabase.idTokensSeen.at(-1)!.split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('1098765');
    // No local identity row: Supabase owns the identity.
    expect((await app.db.query(`select 1 from mockflow.identities`)).rows).toHaveLength(0);
  });

  it('shows a friendly page when Supabase Auth is unreachable', async () => {
    app = await startTestApp({ env: googleEnv({ SUPABASE_URL: supabase.url, SUPABASE_ANON_KEY: supabase.anonKey }) });
    supabase.down = true;
    const { landing } = await signInChecked(request.agent(app.server));
    expect(landing.status).toBe(502);
    expect(landing.text).toContain('could not reach the account service');
    expect(landing.text).toContain('href="/auth/google"');
  });
});
