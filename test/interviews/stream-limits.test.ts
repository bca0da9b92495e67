import { afterEach, describe, expect, it } from 'vitest';
import { InterviewEvents, MAX_STREAMS_PER_USER } from '../../server/interviews/events.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/client.ts';
import { openEvents, type SseStream } from '../helpers/sse.ts';
import { localUserId, seedInterview } from '../web/seed.ts';
import { sessionHeaders } from './helpers.ts';

let app: TestApp | undefined;
const streams: SseStream[] = [];
const responses: Response[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const r of responses.splice(0)) await r.body?.cancel();
  await app?.close();
  app = undefined;
});

async function open(target: TestApp, client: Client, id: string): Promise<SseStream> {
  const stream = await openEvents(`${target.url}/api/interviews/${id}/events`, sessionHeaders(client));
  streams.push(stream);
  await stream.next((e) => e.event === 'snapshot');
  return stream;
}

function attempt(target: TestApp, client: Client, id: string) {
  return fetch(`${target.url}/api/interviews/${id}/events`, {
    headers: { accept: 'text/event-stream', ...sessionHeaders(client) },
  });
}

describe('event streams per user', () => {
  it(`holds at most ${MAX_STREAMS_PER_USER} open at once, answers the next with a 429 that says what to do, and frees a slot on close`, async () => {
    app = await startTestApp();
    const client = app.client();
    await client.signInLocally();
    // An ended interview's stream stays open (a page waiting on it), which is what a flood holds.
    const id = await seedInterview(app.db, await localUserId(app.db));
    const held: SseStream[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_USER; i++) held.push(await open(app, client, id));

    const refused = await attempt(app, client, id);
    responses.push(refused);
    expect(refused.status).toBe(429);
    expect(await refused.clone().json()).toMatchObject({
      error: 'too_many_streams',
      message: `You have ${MAX_STREAMS_PER_USER} live views of interviews open already. Close other MockFlow tabs, then reload this page.`,
    });

    // Closing one frees its slot once the server has seen the connection go.
    held[0]!.close();
    await expect
      .poll(async () => {
        const reply = await attempt(app!, client, id);
        responses.push(reply);
        return reply.status;
      })
      .toBe(200);
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
    const client = app.client();
    expect((await client.request('GET', '/api/me', { headers: { accept: 'application/json' } })).headers.get('cache-control')).toBe('no-store');
    await client.signInLocally();
    for (const path of ['/dashboard', '/interviews', '/settings', '/settings/keys', '/interviews/new']) {
      const reply = await client.get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers.get('cache-control'), path).toBe('no-store');
    }
    for (const path of ['/api/me', '/api/interviews', '/api/keys']) {
      const reply = await client.request('GET', path, { headers: { accept: 'application/json' } });
      expect(reply.status, path).toBe(200);
      expect(reply.headers.get('cache-control'), path).toBe('no-store');
    }
    expect((await client.get('/static/vendor/livekit-client.umd.js')).headers.get('cache-control')).toMatch(/^public, max-age=/);
    expect((await client.get('/static/app.css')).headers.get('cache-control')).toMatch(/^public, max-age=/);
  });
});
