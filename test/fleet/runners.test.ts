// The web side of a fleet start, with the link and the queue in the test's hands: a runner's
// answer may come before the web instance's own wake-up post has returned (a runner that found
// the job on its own poll refuses it at once), and the start is answered with it all the same;
// a runner that stops while starting an interview fails the start once its lease has run out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { FleetRunners } from '../../server/fleet/runners.ts';
import type { Link } from '../../server/fleet/link.ts';
import { instanceChannel, STARTS_CHANNEL, type InstanceMessage } from '../../server/fleet/messages.ts';
import type { StartQueue } from '../../server/fleet/start-queue.ts';
import { HttpError } from '../../server/http/errors.ts';
import { withUser } from '../../server/db/database.ts';
import type { EventPublisher } from '../../server/interviews/index.ts';
import { createInterview, getInterview } from '../../server/interviews/store.ts';
import { createUser, freshPglite, NEW_TEXT_INTERVIEW } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait.ts';

const WEB = '5b0f3c2e-8d41-4c7a-9e55-0a1b2c3d4e5f';

let db: Database;
beforeAll(async () => {
  db = await freshPglite();
});
afterAll(() => db.close());

/** A link whose wake-up posts return only when the test lets them. */
function heldLink() {
  const handlers = new Map<string, (body: unknown) => void>();
  const held: (() => void)[] = [];
  const link: Link = {
    async post(channel) {
      if (channel === STARTS_CHANNEL) await new Promise<void>((resolve) => held.push(resolve));
    },
    async listen(channel, handler) {
      handlers.set(channel, (body) => void handler(body));
    },
    async close() {},
  };
  const tell = (message: InstanceMessage) => handlers.get(instanceChannel(WEB))!(message);
  return { link, held, tell };
}

/** The database, counting the lease checks made through it. */
function countingLeaseChecks(inner: Database) {
  const counted = { checks: 0 };
  const db = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return (sql: string, params?: unknown[]) => {
        if (sql.includes('mockflow_instances')) counted.checks += 1;
        return target.query(sql, params);
      };
    },
  });
  return { db, counted };
}

const START = { userId: '00000000-0000-4000-8000-000000000001', brief: {} };

/** A publisher that keeps what it is told. */
function told(): EventPublisher & { events: { interviewId: string; type: string }[] } {
  const events: { interviewId: string; type: string }[] = [];
  return { events, publish: (interviewId, type) => void events.push({ interviewId, type }) };
}

const queue: StartQueue = { send: async () => {}, take: async () => [], finish: async () => {}, close: async () => {} };

describe('FleetRunners.start', () => {
  it('answers with a refusal that arrives before its own wake-up post returns, and leaves no rejection unheard', async () => {
    const unheard: unknown[] = [];
    const onUnhandled = (reason: unknown) => unheard.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { link, held, tell } = heldLink();
      const runners = new FleetRunners({ db, link, queue, instanceId: WEB, leaseMs: 2_000, publish: told() });
      await runners.open();
      const interviewId = '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a';
      const started = runners.start({ interviewId, ...START });
      const outcome = started.then(
        () => 'started',
        (err: unknown) => err,
      );
      await waitFor(() => held.length === 1, { explain: 'the wake-up post' });
      tell({ kind: 'start_failed', interviewId, error: { status: 412, code: 'precondition_failed', message: 'Add a language-model key in Settings → Keys.' } });
      // Node reports a rejection nobody handles once the microtasks have run.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      held[0]!();
      const err = await outcome;
      expect(err).toBeInstanceOf(HttpError);
      expect([(err as HttpError).status, (err as HttpError).message]).toEqual([412, 'Add a language-model key in Settings → Keys.']);
      expect(unheard).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails a claimed start as soon as the runner that took it has no live lease, and ends its interview then', async () => {
    const runner = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
    const userId = await createUser(db);
    const { id: interviewId } = await createInterview(db, userId, NEW_TEXT_INTERVIEW);
    // Claimed by a runner with no lease at all: stopped outright, its lease already swept away.
    await db.query('update public.interviews set instance_id = $2 where id = $1', [interviewId, runner]);
    const { link, held, tell } = heldLink();
    const publish = told();
    const runners = new FleetRunners({ db, link, queue, instanceId: WEB, leaseMs: 500, startMs: 600_000, publish });
    await runners.open();
    const outcome = runners.start({ interviewId, userId, brief: {} }).then(
      () => 'started',
      (err: unknown) => err,
    );
    await waitFor(() => held.length === 1, { explain: 'the wake-up post' });
    held[0]!();
    tell({ kind: 'claimed', interviewId, by: runner });
    const err = await outcome;
    expect(err).toBeInstanceOf(HttpError);
    expect([(err as HttpError).status, (err as HttpError).message]).toEqual([502, 'The interviewer could not start — try again in a moment.']);
    // Ended already, so the candidate may start again at once; the streams were told.
    expect(await withUser(db, userId, (tx) => getInterview(tx, interviewId))).toMatchObject({ status: 'ended', ended_by: 'error' });
    expect(publish.events.filter((e) => e.interviewId === interviewId).map((e) => e.type)).toContain('ended');
  });

  it('keeps waiting while the runner that took the start holds its lease', async () => {
    const runner = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
    await db.query(`insert into public.mockflow_instances (id, slots_used, slots_max, runs_interviews, renewed_at) values ($1, 1, 1, true, now() + interval '1 hour')`, [runner]);
    const { db: counting, counted } = countingLeaseChecks(db);
    const { link, held, tell } = heldLink();
    const runners = new FleetRunners({ db: counting, link, queue, instanceId: WEB, leaseMs: 500, startMs: 600_000, publish: told() });
    await runners.open();
    const interviewId = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
    const started = runners.start({ interviewId, ...START });
    await waitFor(() => held.length === 1, { explain: 'the wake-up post' });
    held[0]!();
    tell({ kind: 'claimed', interviewId, by: runner });
    await waitFor(() => counted.checks >= 2, { explain: 'two checks of the runner’s lease' });
    tell({ kind: 'started', interviewId, roomName: 'room-3c4d' });
    await expect(started).resolves.toEqual({ roomName: 'room-3c4d' });
    await db.query('delete from public.mockflow_instances where id = $1', [runner]);
  });
});
