import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { TranscriptItem } from '../../shared/api.ts';
import type { Database } from '../../server/db/database.ts';
import { InterviewEvents } from '../../server/interviews/events.ts';
import type { FakeOpenAI } from '../fakes/openai-llm.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signInLocally, type SignedIn } from '../helpers/session.ts';
import { openEvents, type SseEvent, type SseStream } from '../helpers/sse.ts';
import { saveTextKeys, START_TEXT, startInterviewModel } from './helpers.ts';
import { freshPglite } from '../helpers/databases.ts';

let llm: FakeOpenAI;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  llm = await startInterviewModel();
});
afterAll(() => llm.close());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(options: { db?: Database } = {}): Promise<TestApp> {
  const started = await startTestApp(options);
  cleanups.push(() => started.close());
  return started;
}

async function signedIn(target: TestApp): Promise<SignedIn> {
  const user = await signInLocally(target);
  await saveTextKeys(user, llm.url);
  return user;
}

async function startInterview(user: SignedIn): Promise<string> {
  const started = await user.agent.post('/api/interviews').set('x-csrf-token', user.token).send(START_TEXT);
  expect(started.status, started.text).toBe(201);
  return started.body.id;
}

async function stream(target: TestApp, user: SignedIn, id: string, lastEventId?: string): Promise<SseStream> {
  const headers = { cookie: user.cookie, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) };
  const opened = await openEvents(`${target.url}/api/interviews/${id}/events`, headers);
  cleanups.push(() => opened.close());
  return opened;
}

/** The whole body of an event stream the server is expected to close, parsed into events. */
async function readToEnd(target: TestApp, user: SignedIn, id: string, lastEventId: string): Promise<SseEvent[]> {
  const res = await fetch(`${target.url}/api/interviews/${id}/events`, {
    headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, cookie: user.cookie },
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  const body = await res.text().catch(() => {
    throw new Error('the server kept the event stream open');
  });
  return body
    .split('\n\n')
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const data = field('data');
      return { id: field('id'), event: field('event') ?? 'message', data: data === undefined ? undefined : JSON.parse(data) };
    })
    .filter((e) => e.data !== undefined);
}

async function say(user: SignedIn, id: string, text: string, seenOn: SseStream): Promise<void> {
  const sent = await user.agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', user.token).send({ text });
  expect(sent.status, sent.text).toBe(202);
  const answer = await seenOn.next((e) => e.event === 'item' && e.data.role === 'user' && e.data.text === text);
  await seenOn.next((e) => e.event === 'item' && e.data.role === 'assistant', { after: answer });
}

async function end(user: SignedIn, id: string): Promise<void> {
  await user.agent.post(`/api/interviews/${id}/end`).set('x-csrf-token', user.token).expect(200);
}

async function storedItemIds(user: SignedIn, id: string): Promise<string[]> {
  const reply = await user.agent.get(`/api/interviews/${id}`);
  return reply.body.items.map((i: { id: string }) => i.id);
}

/** Every item id the stream showed, from its snapshot and its item events, repeats included. */
function itemIdsShown(events: SseEvent[]): string[] {
  return events.flatMap((e) =>
    e.event === 'snapshot' ? e.data.items.map((i: { id: string }) => i.id) : e.event === 'item' ? [e.data.id] : [],
  );
}

/**
 * A database whose first transaction running a matching statement, once armed, holds its
 * result (after commit) until released: a deterministic way to open the race windows.
 */
function gated(inner: Database) {
  let armed: { match: RegExp; caught: () => void; released: Promise<void> } | undefined;
  const transaction: Database['transaction'] = async (fn) => {
    let mine: typeof armed;
    const result = await inner.transaction((tx) =>
      fn({
        query: (sql, params) => {
          if (armed?.match.test(sql)) [mine, armed] = [armed, undefined];
          return tx.query(sql, params);
        },
        exec: (sql) => tx.exec(sql),
      }),
    );
    if (mine) {
      mine.caught();
      await mine.released;
    }
    return result;
  };
  const db = new Proxy(inner, {
    get: (target, key) => (key === 'transaction' ? transaction : Reflect.get(target, key, target)),
  });
  return {
    db,
    /** Holds the next matching transaction; resolves `caught` once it has run. */
    arm(match: RegExp) {
      let release!: () => void;
      let caught!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const caughtP = new Promise<void>((resolve) => (caught = resolve));
      armed = { match, caught, released };
      return { caught: caughtP, release };
    },
  };
}

async function gatedApp() {
  const inner = await freshPglite();
  cleanups.push(() => inner.close());
  const gate = gated(inner);
  return { gate, target: await app({ db: gate.db }) };
}

/** A transcript line that only its id tells apart. */
const line = (id: string): TranscriptItem => ({ id, role: 'user', text: 'Yes.', stage: 'welcome', startedAt: 0, endedAt: 0 });

describe('InterviewEvents: what memory can answer for a Last-Event-ID', () => {
  it('serves what came after an id it handed out, and nothing for ids it cannot vouch for', () => {
    const events = new InterviewEvents();
    const first = events.publish('a', 'status', { status: 'live' });
    events.publish('b', 'status', { status: 'live' });
    const second = events.publish('a', 'item', line('x'));

    expect(events.since('a', events.eventId(first.id))).toEqual([second]);
    expect(events.since('a', events.eventId(second.id))).toEqual([]);
    expect(events.since('a', events.eventId(0))).toEqual([first, second]);
    expect(events.since('a', new InterviewEvents().eventId(first.id))).toBeUndefined();
    expect(events.since('a', String(first.id))).toBeUndefined();
    expect(events.since('a', events.eventId(second.id + 10))).toBeUndefined();
    expect(events.since('c', events.eventId(second.id))).toBeUndefined();

    events.forget('a');
    expect(events.since('a', events.eventId(first.id))).toBeUndefined();
  });

  it('refuses an id older than the events it still keeps', () => {
    const events = new InterviewEvents();
    const oldest = events.publish('a', 'item', line('first'));
    for (let i = 0; i < 2_000; i++) events.publish('a', 'item', line(`n${i}`));
    expect(events.since('a', events.eventId(oldest.id))).toHaveLength(2_000);
    expect(events.since('a', events.eventId(oldest.id - 1))).toBeUndefined();
  });

  it('buffers what a follower has not started taking, then delivers live, with nothing lost or repeated', () => {
    const events = new InterviewEvents();
    events.publish('a', 'status', { status: 'live' });
    const follower = events.follow('a');
    const buffered = events.publish('a', 'item', line('x'));
    events.publish('b', 'item', line('other interview'));
    const live: unknown[] = [];
    expect(follower.start((e) => live.push(e))).toEqual([buffered]);
    const later = events.publish('a', 'item', line('y'));
    follower.close();
    events.publish('a', 'item', line('z'));
    expect(live).toEqual([later]);
    expect(follower.position).toBe(buffered.id - 1);
  });

  it('forgets an ended interview 10 minutes after its end, and one whose end it never hears after the longest interview', () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const events = new InterviewEvents();
    const ended = events.publish('ended', 'status', { status: 'live' });
    const unheard = events.publish('unheard', 'paused', { provider: 'llm', message: 'The model is not answering.', endsAt: 0 });
    events.publish('ended', 'ended', { reason: 'candidate', error: null, interview: {} as never, feedbackComing: false });
    vi.advanceTimersByTime(10 * 60_000);
    expect(events.since('ended', events.eventId(ended.id))).toBeUndefined();
    expect(events.since('unheard', events.eventId(unheard.id))).toEqual([]);
    expect(events.pauseOf('unheard')).toBeDefined();
    vi.advanceTimersByTime(5 * 60 * 60_000);
    expect(events.since('unheard', events.eventId(unheard.id))).toBeUndefined();
    expect(events.pauseOf('unheard')).toBeUndefined();
  });

  it('answers a reconnect from a snapshot position of a forgotten interview from memory once kept', () => {
    const events = new InterviewEvents();
    const position = events.follow('gone').position;
    expect(events.since('gone', events.eventId(position))).toBeUndefined();
    events.keepFrom('gone', position);
    expect(events.since('gone', events.eventId(position))).toEqual([]);
    const feedback = events.publish('gone', 'feedback', { status: 'ready' });
    expect(events.since('gone', events.eventId(position))).toEqual([feedback]);
  });
});

// Each test spawns agent processes; on a busy two-core machine that alone can take most of 30 s.
describe('GET /api/interviews/:id/events', { timeout: 90_000 }, () => {
  it('resumes from a Last-Event-ID mid-interview with exactly the events after it', async () => {
    const target = await app();
    const user = await signedIn(target);
    const id = await startInterview(user);
    const first = await stream(target, user, id);
    await first.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));
    await say(user, id, 'I build payment systems.', first);
    const cut = first.events.length;
    const lastEventId = first.events[cut - 1]!.id!;
    await say(user, id, 'Mostly Go and Postgres.', first);

    const resumed = await stream(target, user, id, lastEventId);
    await end(user, id);
    await first.next((e) => e.event === 'ended');
    await resumed.next((e) => e.event === 'ended');

    // Some came from memory (the second turn), the rest live (the end).
    const after = first.events.slice(cut);
    expect(after.map((e) => e.event)).toEqual(expect.arrayContaining(['item', 'ended']));
    expect(resumed.events).toEqual(after);
    expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length);
  });

  it('answers a reconnect to an ended interview whose events are forgotten (restart) with snapshot and ended, then closes', async () => {
    const db = await freshPglite();
    cleanups.push(() => db.close());
    const before = await startTestApp({ db });
    let beforeOpen = true;
    cleanups.push(() => (beforeOpen ? before.close() : undefined));
    const user = await signedIn(before);
    const id = await startInterview(user);
    const events = await stream(before, user, id);
    await say(user, id, 'I build payment systems.', events);
    await end(user, id);
    await events.next((e) => e.event === 'ended');
    const lastEventId = events.events.filter((e) => e.id).at(-1)!.id!;
    const stored = await storedItemIds(user, id);
    events.close();
    await before.close();
    beforeOpen = false;

    const after = await app({ db });
    for (const stale of [lastEventId, 'not-an-id', '12']) {
      const got = await readToEnd(after, user, id, stale);
      expect(got.map((e) => e.event), stale).toEqual(['snapshot', 'ended']);
      expect(got[0]!.data).toMatchObject({ id, status: 'ended', endedBy: 'candidate' });
      expect(itemIdsShown(got)).toEqual(stored);
      expect(got[1]!.data).toMatchObject({ reason: 'candidate', interview: { id, status: 'ended' } });
    }
  });

  it('sends a fresh snapshot to a reconnect to a live interview with an id it cannot serve, and carries on live', async () => {
    const target = await app();
    const user = await signedIn(target);
    const id = await startInterview(user);
    const witness = await stream(target, user, id);
    await witness.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));

    const reconnected = await stream(target, user, id, new InterviewEvents().eventId(1));
    const snapshot = await reconnected.next((e) => e.event === 'snapshot');
    expect(snapshot.data).toMatchObject({ id, status: 'live' });
    expect(snapshot.data.items.length).toBeGreaterThan(0);
    await say(user, id, 'I build payment systems.', reconnected);
    expect(reconnected.events.some((e) => e.event === 'ended')).toBe(false);
    await end(user, id);
    await reconnected.next((e) => e.event === 'ended');
    expect(itemIdsShown(reconnected.events)).toEqual(await storedItemIds(user, id));
  });

  it('does not lose items saved while a fresh stream reads its snapshot', async () => {
    const { gate, target } = await gatedApp();
    const user = await signedIn(target);
    const id = await startInterview(user);
    const witness = await stream(target, user, id);
    await witness.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));

    const read = gate.arm(/^select \* from public\.interviews where id = \$1/);
    const opening = stream(target, user, id);
    await read.caught; // the snapshot is read; the stream has not answered yet
    await say(user, id, 'I build payment systems.', witness);
    read.release();
    const fresh = await opening;
    await say(user, id, 'Mostly Go and Postgres.', fresh);
    await end(user, id);
    await fresh.next((e) => e.event === 'ended');

    expect(itemIdsShown(fresh.events)).toEqual(await storedItemIds(user, id));
  });

  it('does not repeat an item saved before the snapshot was read but published after it', async () => {
    const { gate, target } = await gatedApp();
    const user = await signedIn(target);
    const id = await startInterview(user);
    const witness = await stream(target, user, id);
    await witness.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));

    const append = gate.arm(/set conversation = coalesce\(conversation, '\[\]'::jsonb\) \|\|/);
    const text = 'I build payment systems.';
    await user.agent.post(`/api/interviews/${id}/messages`).set('x-csrf-token', user.token).send({ text }).expect(202);
    await append.caught; // the answer is saved; publishing it waits
    const fresh = await stream(target, user, id);
    const snapshot = await fresh.next((e) => e.event === 'snapshot');
    expect(snapshot.data.items.map((i: { text: string }) => i.text)).toContain(text);
    append.release();
    await witness.next((e) => e.event === 'item' && e.data.text === text);
    await say(user, id, 'Mostly Go and Postgres.', fresh);
    await end(user, id);
    await fresh.next((e) => e.event === 'ended');

    const shown = itemIdsShown(fresh.events);
    expect(new Set(shown).size).toBe(shown.length);
    expect(new Set(shown)).toEqual(new Set(await storedItemIds(user, id)));
  });

  it('carries each reply’s response times as a `metrics` event once stored, and a fresh snapshot has them', async () => {
    const target = await app();
    const user = await signedIn(target);
    const id = await startInterview(user);
    const live = await stream(target, user, id);
    await live.next((e) => e.event === 'item' || (e.event === 'snapshot' && e.data.items.length > 0));
    const before = live.cursor();
    await say(user, id, 'I build payment systems.', live);
    const metrics = await live.next((e) => e.event === 'metrics', { after: before });
    // A text turn measures the model only; what was not measured is null, never zero.
    expect(metrics.data).toEqual({ stage: expect.any(String), at: expect.any(Number), endOfUtteranceDelayMs: null, llmTtftMs: expect.any(Number), ttsTtfbMs: null });

    const stored = await user.agent.get(`/api/interviews/${id}`);
    expect(stored.body.responseTimes.turns).toContainEqual(metrics.data);
    const fresh = await stream(target, user, id);
    const snapshot = await fresh.next((e) => e.event === 'snapshot');
    expect(snapshot.data.responseTimes.turns).toContainEqual(metrics.data);
    expect(snapshot.data.responseTimes.medians).toMatchObject({ endOfUtteranceDelayMs: null, llmTtftMs: expect.any(Number), ttsTtfbMs: null });
    await end(user, id);
  });
});
