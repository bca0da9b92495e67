import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { InterviewEvents, MAX_STREAMS_PER_USER } from '../../server/interviews/events.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type SignedIn } from '../helpers/session.ts';
import { openEvents, type SseStream } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedInterview } from '../web/seed.ts';

let app: TestApp | undefined;
const streams: SseStream[] = [];
const responses: Response[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const r of responses.splice(0)) await r.body?.cancel();
  await app?.close();
  app = undefined;
});

async function open(target: TestApp, user: SignedIn, id: string): Promise<SseStream> {
  const stream = await openEvents(`${target.url}/api/interviews/${id}/events`, { cookie: user.cookie });
  streams.push(stream);
  await stream.next((e) => e.event === 'snapshot');
  return stream;
}

function attempt(target: TestApp, user: SignedIn, id: string) {
  return fetch(`${target.url}/api/interviews/${id}/events`, {
    headers: { accept: 'text/event-stream', cookie: user.cookie },
  });
}

describe('event streams per user', () => {
  it(`holds at most ${MAX_STREAMS_PER_USER} open at once, answers the next with a 429 that says what to do, and frees a slot on close`, async () => {
    app = await startTestApp();
    const user = await signInLocally(app);
    // An ended interview's stream stays open (a page waiting on it), which is what a flood holds.
    const id = await seedInterview(app.db, user.userId);
    const held: SseStream[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_USER; i++) held.push(await open(app, user, id));

    const refused = await attempt(app, user, id);
    responses.push(refused);
    expect(refused.status).toBe(429);
    expect(await refused.clone().json()).toMatchObject({
      error: 'too_many_streams',
      message: `You have ${MAX_STREAMS_PER_USER} live views of interviews open already. Close other MockFlow tabs, then reload this page.`,
    });

    // Closing one frees its slot once the server has seen the connection go.
    held[0]!.close();
    await waitFor(
      async () => {
        const reply = await attempt(app!, user, id);
        responses.push(reply);
        return reply.status === 200;
      },
      { explain: () => `a stream to be allowed again; the last attempt answered ${responses.at(-1)?.status}`, timeoutMs: 1_000 },
    );
  });

  it('counts each user on their own, and a slot released twice is freed once', () => {
    const events = new InterviewEvents();
    const releases = Array.from({ length: MAX_STREAMS_PER_USER }, () => events.claimStream('alice'));
    expect(() => events.claimStream('alice')).toThrow(/live views of interviews open already/);
    expect(() => events.claimStream('bob')).not.toThrow();
    releases[0]!();
    releases[0]!();
    events.claimStream('alice');
    expect(() => events.claimStream('alice')).toThrow(/open already/);
  });
});

describe('caching', () => {
  it('signed-in pages and every API answer say no-store; static files stay cacheable', async () => {
    app = await startTestApp();
    expect((await request(app.server).get('/api/me')).get('cache-control')).toBe('no-store');
    const { agent } = await signInLocally(app);
    for (const path of ['/dashboard', '/interviews', '/settings', '/settings/keys', '/interviews/new']) {
      const reply = await agent.get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.get('cache-control'), path).toBe('no-store');
    }
    for (const path of ['/api/me', '/api/interviews', '/api/keys']) {
      const reply = await agent.get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.get('cache-control'), path).toBe('no-store');
    }
    expect((await agent.get('/static/vendor/livekit-client.umd.js')).get('cache-control')).toMatch(/^public, max-age=/);
    expect((await agent.get('/static/app.css')).get('cache-control')).toMatch(/^public, max-age=/);
  });
});
