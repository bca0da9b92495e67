import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, signInWithGoogleBehindProxy } from '../helpers/session.ts';

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
    const { agent } = await signInWithGoogleBehindProxy(app); // as Render's TLS proxy passes a request on
    await agent.get('/api/interviews').accept('json').expect(200);

    await breakInterviewsTable(app);

    const json = await agent.get('/api/interviews').accept('json').expect(500).expect('content-type', /application\/json/);
    expect(json.body).toEqual({ error: 'internal', message: GENERIC });
    expectNoInternals(json.text);

    const page = await agent.get('/interviews').expect(500).expect('content-type', /text\/html/);
    expect(page.text).toContain('<title>Something went wrong · MockFlow</title>');
    expect(page.text).toContain(GENERIC);
    expectNoInternals(page.text);

    // The operator still gets the real error in the log.
    expect(app.logs.text()).toMatch(/"msg":"unhandled error"/);
    expect(app.logs.text()).toMatch(/interviews.*does not exist/);
  });

  it('shows the cause only outside production (so the check above is about production)', async () => {
    app = await startTestApp();
    const { agent } = await signInLocally(app);
    await breakInterviewsTable(app);
    const json = await agent.get('/api/interviews').accept('json').expect(500);
    expect(json.body).toMatchObject({ error: 'internal', message: GENERIC, detail: expect.stringMatching(/does not exist/) });
  });
});
