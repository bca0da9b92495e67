import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/client.ts';

// An unexpected failure inside a route (here: the table a route reads is gone) must reach a
// production user as a plain 500 with no internals, while the log keeps the real error.

const GENERIC = 'Something went wrong on our side. Please try again in a moment.';
// What the database says, and what a stack trace looks like: none of it may reach the user.
const INTERNALS = [/does not exist/i, /relation/i, /interviews_moved_away/, /\.ts:\d+/, /node_modules/, /\bat .+\(/, /Error:/];

let google: FakeGoogle;
let app: TestApp | undefined;

beforeAll(async () => {
  google = await startFakeGoogle({ sub: '555', email: 'grace@example.test', name: 'Grace Hopper' });
});
afterAll(() => google.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function productionApp() {
  return startTestApp({
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused', // required by the config; the test app uses PGlite
      PUBLIC_URL: 'https://mockflow.example',
      TRUST_PROXY_HOPS: '1',
      GOOGLE_CLIENT_ID: 'test-client-id',
      GOOGLE_CLIENT_SECRET: 'test-client-secret',
      GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GOOGLE_USERINFO_URL: google.userInfoUrl,
    },
  });
}

async function signInWithGoogle(client: Client) {
  const start = await client.get('/auth/google');
  expect(start.status).toBe(302);
  const consent = await client.get(start.location!);
  const callback = new URL(consent.location!);
  const landing = await client.get(callback.pathname + callback.search);
  expect(landing.location).toBe('/dashboard');
}

/** Makes every query of the interviews routes fail, leaving sessions (and sign-in) working. */
async function breakInterviewsTable(target: TestApp) {
  await target.db.query('alter table public.interviews rename to interviews_moved_away');
}

function expectNoInternals(text: string) {
  for (const pattern of INTERNALS) expect(text).not.toMatch(pattern);
}

describe('unexpected errors in production', () => {
  it('answers JSON with 500 and the generic message only, and an HTML page without internals', async () => {
    app = await productionApp();
    const client = app.client();
    client.defaultHeaders['x-forwarded-proto'] = 'https'; // behind Render's TLS proxy
    await signInWithGoogle(client);
    expect((await client.request('GET', '/api/interviews', { headers: { accept: 'application/json' } })).status).toBe(200);

    await breakInterviewsTable(app);

    const json = await client.request('GET', '/api/interviews', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(500);
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    expect(json.json()).toEqual({ error: 'internal', message: GENERIC });
    expectNoInternals(json.text);

    const page = await client.get('/interviews');
    expect(page.status).toBe(500);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<title>Something went wrong · MockFlow</title>');
    expect(page.text).toContain(GENERIC);
    expectNoInternals(page.text);

    // The operator still gets the real error in the log.
    expect(app.logs.text()).toMatch(/"msg":"unhandled error"/);
    expect(app.logs.text()).toMatch(/interviews.*does not exist/);
  });

  it('shows the cause only outside production (so the check above is about production)', async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    await breakInterviewsTable(app);
    const json = await client.request('GET', '/api/interviews', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(500);
    expect(json.json()).toMatchObject({ error: 'internal', message: GENERIC, detail: expect.stringMatching(/does not exist/) });
  });
});
