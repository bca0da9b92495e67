// The web side of a fleet start, with the link and the queue in the test's hands: a runner's
// answer may come before the web instance's own wake-up post has returned (a runner that found
// the job on its own poll refuses it at once), and the start is answered with it all the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { FleetRunners } from '../../server/fleet/runners.ts';
import type { Link } from '../../server/fleet/link.ts';
import { instanceChannel, STARTS_CHANNEL, type InstanceMessage } from '../../server/fleet/messages.ts';
import type { StartQueue } from '../../server/fleet/start-queue.ts';
import { HttpError } from '../../server/http/errors.ts';
import { freshPglite } from '../helpers/databases.ts';
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

const queue: StartQueue = { send: async () => {}, take: async () => [], finish: async () => {}, close: async () => {} };

describe('FleetRunners.start', () => {
  it('answers with a refusal that arrives before its own wake-up post returns, and leaves no rejection unheard', async () => {
    const unheard: unknown[] = [];
    const onUnhandled = (reason: unknown) => unheard.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { link, held, tell } = heldLink();
      const runners = new FleetRunners({ db, link, queue, instanceId: WEB, leaseMs: 2_000 });
      await runners.open();
      const interviewId = '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a';
      const started = runners.start({ interviewId, userId: '00000000-0000-4000-8000-000000000001', brief: {} });
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
});
