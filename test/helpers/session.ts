// A browser's session with the app, over supertest: its agent keeps the cookies; the pages' CSRF
// token, local and Google sign-in, and a second user, are done the way the pages do them.
import request, { type Agent, type Response } from 'supertest';
import { userForIdentity } from '../../server/auth/users.ts';
import type { TestApp } from './app.ts';

export type { Agent };

export interface SignedIn {
  /** Keeps the session cookie between requests. */
  agent: Agent;
  /** The CSRF token the signed-in pages carry: `x-csrf-token` for JSON, `_csrf` for forms. */
  token: string;
  /** `mockflow.sid=…`, for requests made outside the agent (event streams, a restarted server). */
  cookie: string;
  userId: string;
}

/** The session cookie a response sets, as a Cookie header; undefined when it sets none. */
export function sessionCookie(res: Response): string | undefined {
  return res.get('Set-Cookie')?.find((c) => c.startsWith('mockflow.sid='))?.split(';')[0];
}

/** The token the pages' scripts fetch from /api/csrf. */
export async function csrfToken(agent: Agent): Promise<string> {
  return (await agent.get('/api/csrf').expect(200)).body.token;
}

/**
 * Posts a form as a page does, with its CSRF token in `_csrf`. (The token is fetched first: a
 * request takes the agent's cookies when it is made.)
 */
export async function postForm(agent: Agent, path: string, fields: Record<string, string> = {}): Promise<Response> {
  const token = await csrfToken(agent);
  return agent.post(path).type('form').send({ _csrf: token, ...fields });
}

/** "Continue as local user", in a new browser on `target` or in this agent (a spawned server's, say). */
export async function signInLocally(target: Pick<TestApp, 'db'> & { server: TestApp['server'] | string } | Agent): Promise<SignedIn> {
  const agent = 'db' in target ? request.agent(target.server) : target;
  const signedIn = await postForm(agent, '/auth/local');
  if (signedIn.status !== 302) throw new Error(`local sign-in answered ${signedIn.status}: ${signedIn.text}`);
  const me = await agent.get('/api/me').expect(200);
  return { agent, token: await csrfToken(agent), cookie: sessionCookie(signedIn)!, userId: me.body.id };
}

/**
 * A new browser signed in as another user, created as Google sign-in creates one (local sign-in
 * is a single account): signed in locally, then its stored session moved to that user, as the
 * OAuth callback leaves it.
 */
export async function signInAs(app: Pick<TestApp, 'db'> & { server: TestApp['server'] | string }, name: string): Promise<SignedIn> {
  const user = await userForIdentity(app.db, 'google', `sub-${name}-${Math.random()}`, { name });
  const local = await signInLocally(app);
  const sid = decodeURIComponent(local.cookie.slice('mockflow.sid='.length)).slice(2).split('.')[0]!;
  await app.db.query(`update mockflow.sessions set sess = jsonb_set(sess::jsonb, '{user}', $2::jsonb)::json where sid = $1`, [sid, JSON.stringify(user)]);
  return { ...local, userId: user.id };
}

/**
 * "Sign in with Google" up to Google's answer: the app's redirect to the (fake) Google, whose
 * consent is on another host (plain fetch). Returns where Google sent the browser, and where back to.
 */
export async function consentWithGoogle(agent: Agent): Promise<{ authorize: URL; callback: string }> {
  const start = await agent.get('/auth/google').expect(302);
  const authorize = new URL(start.get('location')!);
  return { authorize, callback: await googleConsent(authorize) };
}

/** "Sign in with Google", consent, and the app's answer to the callback. */
export async function signInWithGoogle(agent: Agent): Promise<Response> {
  const { callback } = await consentWithGoogle(agent);
  return agent.get(callback);
}

/** What the TLS proxy in front of a production app adds to each request. */
const BEHIND_TLS_PROXY = { 'x-forwarded-proto': 'https' };

/**
 * "Sign in with Google" on a production app behind its TLS proxy. Its cookies are Secure, which
 * supertest's agent keeps for https only (the tests speak HTTP to the app), so they are carried
 * by hand, and the agent returned sends the session cookie as a header of its own.
 */
export async function signInWithGoogleBehindProxy(app: TestApp): Promise<SignedIn> {
  const start = await request(app.server).get('/auth/google').set(BEHIND_TLS_PROXY).expect(302);
  const callback = await googleConsent(new URL(start.get('location')!));
  const landing = await request(app.server).get(callback).set(BEHIND_TLS_PROXY).set('cookie', sessionCookie(start)!);
  if (landing.get('location') !== '/dashboard') throw new Error(`Google sign-in answered ${landing.status}: ${landing.text}`);
  const cookie = sessionCookie(landing)!;
  const agent = request.agent(app.server).set(BEHIND_TLS_PROXY).set('cookie', cookie);
  const me = await agent.get('/api/me').expect(200);
  return { agent, token: await csrfToken(agent), cookie, userId: me.body.id };
}

/** Google's consent, which answers at once (the fake's): the app's callback it sends the browser to. */
async function googleConsent(authorize: URL): Promise<string> {
  const consent = await fetch(authorize, { redirect: 'manual' });
  if (consent.status !== 302) throw new Error(`Google's consent answered ${consent.status}: ${await consent.text()}`);
  const callback = new URL(consent.headers.get('location')!);
  return callback.pathname + callback.search;
}
