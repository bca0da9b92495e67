import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, postForm, signInLocally } from '../helpers/session.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('CSRF', () => {
  it('rejects JSON writes without the token, or with a wrong one, with 403 JSON', async () => {
    app = await startTestApp();
    const { agent } = await signInLocally(app);
    const none = await agent.delete('/api/account').send({ confirm: 'delete my account' }).expect(403);
    expect(none.body).toMatchObject({ error: 'csrf', message: expect.stringContaining('Reload') });
    await agent.delete('/api/account').set('x-csrf-token', 'not-the-token').send({ confirm: 'delete my account' }).expect(403);
    // Nothing was deleted.
    await agent.get('/dashboard').expect(200);
  });

  it('rejects form posts without the token with an HTML page', async () => {
    app = await startTestApp();
    const browser = request.agent(app.server);
    const reply = await browser.post('/auth/local').type('form').send({}).expect(403).expect('content-type', /text\/html/);
    expect(reply.text).toContain('Reload the page');
    const stolen = await csrfToken(request.agent(app.server));
    await browser.post('/auth/local').type('form').send({ _csrf: stolen }).expect(403);
  });
});

describe('security headers', () => {
  it('sends a strict CSP, no framing, a referrer policy, and no HSTS outside production', async () => {
    app = await startTestApp();
    const reply = await request(app.server).get('/');
    const csp = reply.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("style-src 'self'");
    expect(csp).toMatch(/connect-src 'self' wss: https:/);
    expect(csp).toContain("frame-ancestors 'none'");
    // The header agrees with frame-ancestors 'none' for browsers that only know the header.
    expect(reply.get('x-frame-options')).toBe('DENY');
    expect(reply.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(reply.get('x-content-type-options')).toBe('nosniff');
    expect(reply.get('strict-transport-security')).toBeUndefined();
    expect(reply.get('x-powered-by')).toBeUndefined();
  });

  it('adds HSTS and secure cookies in production', async () => {
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
    const reply = await request(app.server).get('/auth/google').set('x-forwarded-proto', 'https');
    expect(reply.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const cookie = reply.get('Set-Cookie')?.find((c) => c.startsWith('mockflow.sid='));
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    // The OAuth redirect comes from PUBLIC_URL, whatever host the request claims to be for.
    const spoofed = await request(app.server).get('/auth/google').set({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'attacker.example' });
    expect(new URL(spoofed.get('location')!).searchParams.get('redirect_uri')).toBe('https://mockflow.example/auth/callback');
  });
});

describe('rate limits', () => {
  it('answers sign-in floods with 429, Retry-After and a readable message', async () => {
    app = await startTestApp({ rateLimits: { signIn: { windowMs: 60_000, perIp: 3 } } });
    const browser = request.agent(app.server);
    for (let i = 0; i < 3; i++) expect((await postForm(browser, '/auth/local')).status).toBe(302);
    const token = await csrfToken(browser);
    const limited = await browser.post('/auth/local').accept('json').type('form').send({ _csrf: token }).expect(429);
    expect(Number(limited.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/Too many sign-in attempts\. Try again in \d+ seconds/) });
  });

  /** Status codes of `n` sign-in attempts, each with its own X-Forwarded-For. */
  async function attempts(target: TestApp, forwardedFor: (i: number) => string, n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const browser = request.agent(target.server).set('x-forwarded-for', forwardedFor(i));
      statuses.push((await postForm(browser, '/auth/local')).status);
    }
    return statuses;
  }

  const signIn = { windowMs: 60_000, perIp: 2 };

  it('ignores X-Forwarded-For when no proxy is configured: a made-up one per request buys no attempts', async () => {
    app = await startTestApp({ rateLimits: { signIn } });
    expect(await attempts(app, (i) => `198.51.100.${i}`, 3)).toEqual([302, 302, 429]);
  });

  it('counts per IP what the configured proxy reports, not what the client wrote before it', async () => {
    // One proxy: its entry (the last) is the client; what the client wrote before it is not.
    app = await startTestApp({ rateLimits: { signIn }, env: { TRUST_PROXY_HOPS: '1' } });
    expect((await attempts(app, (i) => `198.51.100.${i}, 203.0.113.9`, 3)).at(-1)).toBe(429);
    // Two clients behind that proxy are counted apart.
    expect((await attempts(app, () => '203.0.113.10', 1)).at(-1)).not.toBe(429);
  });
});
