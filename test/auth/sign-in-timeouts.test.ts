// Providers that accept the connection and never answer, or refuse it: sign-in (and account
// deletion) still answers within the configured timeout, with the friendly page and a retry link.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request, { type Response } from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SupabaseAuthError, createSupabaseAuth } from '../../server/auth/supabase.ts';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startFakeSupabaseAuth, type FakeSupabaseAuth } from '../fakes/supabase-auth.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { captureLogs } from '../helpers/logs.ts';
import { consentWithGoogle, csrfToken, signInWithGoogle, type Agent } from '../helpers/session.ts';
import { waitFor } from '../helpers/wait.ts';

const TIMEOUT_MS = 1_000;
/** Well below the 15 s default: the configured timeout is what bounded the wait. */
const ANSWERED_WITHIN_MS = 5_000;

let google: FakeGoogle;
let supabase: FakeSupabaseAuth;
beforeAll(async () => {
  [google, supabase] = await Promise.all([
    startFakeGoogle({ sub: '555', email: 'lin@example.test', name: 'Lin Hung' }),
    startFakeSupabaseAuth(),
  ]);
});
afterAll(async () => {
  await google.close();
  await supabase.close();
});
afterEach(() => {
  google.hang = undefined;
  supabase.hang = false;
});

/** A test app signing in through the fake Google, with a short sign-in timeout. */
function startApp(env: Record<string, string>): Promise<TestApp> {
  return startTestApp({
    signInTimeoutMs: TIMEOUT_MS,
    env: {
      GOOGLE_CLIENT_ID: 'test-client-id',
      GOOGLE_CLIENT_SECRET: 'test-client-secret-DO-NOT-LOG',
      GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GOOGLE_USERINFO_URL: google.userInfoUrl,
      ...env,
    },
  });
}

/** Click "Sign in with Google", consent, and time the callback. */
async function timedSignIn(agent: Agent): Promise<{ landing: Response; ms: number }> {
  const { callback } = await consentWithGoogle(agent);
  const began = Date.now();
  const landing = await agent.get(callback);
  return { landing, ms: Date.now() - began };
}

function expectFriendlyPage(landing: Response, status: number, message: string) {
  expect(landing.status).toBe(status);
  expect(landing.text).toContain('Sign-in did not work');
  expect(landing.text).toContain(message);
  expect(landing.text).toContain('href="/auth/google"');
  expect(landing.text).not.toMatch(/\bat .+:\d+:\d+/);
}

function expectLoggedWithoutSecrets(logs: ReturnType<typeof captureLogs>, reason: RegExp) {
  const failure = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'sign-in failed');
  expect(failure).toMatchObject({ provider: 'google', reason: expect.stringMatching(reason) });
  expect(logs.text()).not.toContain('test-client-secret-DO-NOT-LOG');
  expect(logs.text()).not.toContain(supabase.anonKey);
}

describe('a provider that accepts the connection and never answers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    });
    // supabase-js is imported at first use: loaded here, outside the 1 s the sign-in below may take
    // (on a loaded machine the import alone took longer, and the working sign-in timed out).
    await Promise.all([import('@supabase/supabase-js'), import('ws')]);
    // A working sign-in first.
    expect((await signInWithGoogle(request.agent(app.server))).status).toBe(302);
  });
  afterAll(() => app.close());

  it.each(['token', 'userinfo'] as const)('Google %s endpoint: the friendly page comes within the timeout, and the connection is dropped', async (endpoint) => {
    google.hang = endpoint;
    const browser = request.agent(app.server);
    const { landing, ms } = await timedSignIn(browser);
    expect(ms).toBeLessThan(ANSWERED_WITHIN_MS);
    expectFriendlyPage(landing, 504, 'did not answer in time');
    expectLoggedWithoutSecrets(app.logs, new RegExp(`no answer within ${TIMEOUT_MS} ms`));
    await waitFor(() => google.hanging === 0, { explain: 'the app to drop its connection to Google', timeoutMs: ANSWERED_WITHIN_MS });
    // Still signed out, and a retry works once Google answers again.
    await browser.get('/dashboard').expect(303);
    google.hang = undefined;
    expect((await signInWithGoogle(browser)).status).toBe(302);
    await browser.get('/dashboard').expect(200);
  });

  it('Supabase Auth: the friendly page comes within the timeout, and the connection is dropped', async () => {
    supabase.hang = true;
    const browser = request.agent(app.server);
    const { landing, ms } = await timedSignIn(browser);
    expect(ms).toBeLessThan(ANSWERED_WITHIN_MS);
    expectFriendlyPage(landing, 504, 'did not answer in time');
    expectLoggedWithoutSecrets(app.logs, /no answer within/);
    await waitFor(() => supabase.hanging === 0, { explain: 'the app to drop its connection to Supabase Auth', timeoutMs: ANSWERED_WITHIN_MS });
    await browser.get('/dashboard').expect(303);
  });

  it('Supabase Auth during account deletion: 502 within the timeout, nothing deleted', async () => {
    const browser = request.agent(app.server);
    expect((await signInWithGoogle(browser)).status).toBe(302);
    const token = await csrfToken(browser);
    supabase.hang = true;
    const began = Date.now();
    const reply = await browser.delete('/api/account').set('x-csrf-token', token).send({ confirm: 'delete my account' });
    expect(Date.now() - began).toBeLessThan(ANSWERED_WITHIN_MS);
    expect(reply.status).toBe(502);
    expect(reply.body).toMatchObject({ error: 'upstream' });
    supabase.hang = false;
    await browser.get('/dashboard').expect(200);
  });

  it('gives up on the exchange itself after the timeout (not only the page)', async () => {
    supabase.hang = true;
    const auth = createSupabaseAuth({ url: supabase.url, anonKey: supabase.anonKey, timeoutMs: TIMEOUT_MS });
    const began = Date.now();
    const failure = await auth.signInWithGoogleIdToken('a.b.c').catch((err: unknown) => err);
    expect(Date.now() - began).toBeLessThan(ANSWERED_WITHIN_MS);
    expect(failure).toBeInstanceOf(SupabaseAuthError);
    expect((failure as Error).message).toMatch(/^Supabase Auth could not be reached/);
  });
});

describe('Supabase Auth refusing the connection', () => {
  it('shows the friendly page at once', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const app = await startApp({ SUPABASE_URL: `http://127.0.0.1:${port}`, SUPABASE_ANON_KEY: supabase.anonKey });
    try {
      const landing = await signInWithGoogle(request.agent(app.server));
      expectFriendlyPage(landing, 502, 'could not reach the account service');
      expectLoggedWithoutSecrets(app.logs, /^Supabase Auth could not be reached/);
    } finally {
      await app.close();
    }
  });
});
