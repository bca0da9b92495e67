// Which live interviews and feedback generations are orphans: only those of a server process
// whose lease ran out (or of none), never those of a process still renewing its lease.
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { failInterruptedFeedback } from '../../server/feedback/index.ts';
import { fleetStatus, takeLease, type Lease } from '../../server/instances/index.ts';
import { endOrphans, InterviewEvents } from '../../server/interviews/index.ts';
import { createInterview } from '../../server/interviews/store.ts';
import { setFeedbackStatus } from '../../server/feedback/store.ts';
import { createUser, databaseKinds, NEW_TEXT_INTERVIEW, type TestDatabase } from '../helpers/databases.ts';
import { captureLogs } from '../helpers/logs.ts';

const LEASE_MS = 60_000;
/** Every event the sweep publishes. */
const events = new InterviewEvents();
const orphans = { interviews: (db: Database, ms: number) => endOrphans(db, ms, events), feedback: failInterruptedFeedback };

async function liveInterview(db: Database, instanceId?: string): Promise<string> {
  const user = await createUser(db);
  const row = await createInterview(db, user, { ...NEW_TEXT_INTERVIEW, instanceId });
  await setFeedbackStatus(db, user, row.id, 'generating', null, instanceId ?? null);
  return row.id;
}

async function state(db: Database, id: string) {
  const { rows } = await db.query<{ status: string; ended_by: string | null; feedback_status: string | null }>(
    'select status, ended_by, feedback_status from public.interviews where id = $1',
    [id],
  );
  return rows[0]!;
}

describe.each(databaseKinds)('server leases on $name', (kind) => {
  let handle: TestDatabase | undefined;
  const leases: Lease[] = [];
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
    await handle?.dispose();
  });
  const take = async (db: Database, slots = { used: 0, max: 3 }, runsInterviews = true) => {
    const lease = await takeLease(db, { leaseMs: LEASE_MS, logger: captureLogs().logger, orphans, slots: () => slots, runsInterviews });
    leases.push(lease);
    return lease;
  };

  it("ends a live interview and fails its feedback only once its process's lease has run out", async () => {
    handle = await kind.open();
    const { db } = handle;
    const mine = await take(db);
    const running = await liveInterview(db, mine.instanceId);
    const ownerless = await liveInterview(db);

    // What a starting process (or a renewal) does: the running one is left alone.
    const following = events.follow(ownerless);
    expect(await orphans.interviews(db, LEASE_MS)).toBe(1);
    expect(await failInterruptedFeedback(db, LEASE_MS)).toBe(1);
    expect(await state(db, running)).toEqual({ status: 'live', ended_by: null, feedback_status: 'generating' });
    expect(await state(db, ownerless)).toEqual({ status: 'ended', ended_by: 'error', feedback_status: 'failed' });
    // Its streams are told, so the candidate's page shows the end without a reload.
    const told = following.start(() => {});
    following.close();
    expect(told.map((e) => e.type)).toEqual(['status', 'ended']);
    expect(told[1]!.data).toMatchObject({ reason: 'error', error: 'The server restarted during this interview.', feedbackComing: false });

    // The process stops renewing (killed): once its lease is older than a lease period, it is an orphan.
    await db.query(`update public.mockflow_instances set renewed_at = now() - interval '61 seconds' where id = $1`, [mine.instanceId]);
    expect(await orphans.interviews(db, LEASE_MS)).toBe(1);
    expect(await failInterruptedFeedback(db, LEASE_MS)).toBe(1);
    expect(await state(db, running)).toEqual({ status: 'ended', ended_by: 'error', feedback_status: 'failed' });
  });

  it('gives the lease back at a clean stop', async () => {
    handle = await kind.open();
    const { db } = handle;
    const lease = await take(db);
    const count = async () => (await db.query<{ n: number }>('select count(*)::int as n from public.mockflow_instances')).rows[0]!.n;
    expect(await count()).toBe(1);
    await lease.release();
    expect(await count()).toBe(0);
  });

  it("reports every process with a live lease and their slots, leaving out one whose lease ran out", async () => {
    handle = await kind.open();
    const { db } = handle;
    const first = await take(db, { used: 2, max: 3 });
    expect(await fleetStatus(db, LEASE_MS)).toEqual({ instances: 1, runners: 1, slotsUsed: 2, slotsFree: 1 });
    if (kind.name === 'postgres') {
      await take(db, { used: 0, max: 3 });
      // A web-only process is an instance, not a runner, and offers no slots.
      await take(db, { used: 0, max: 0 }, false);
      expect(await fleetStatus(db, LEASE_MS)).toEqual({ instances: 3, runners: 2, slotsUsed: 2, slotsFree: 4 });
    }
    await db.query(`update public.mockflow_instances set renewed_at = now() - interval '61 seconds' where id = $1`, [first.instanceId]);
    expect(await fleetStatus(db, LEASE_MS)).toEqual(
      kind.name === 'postgres' ? { instances: 2, runners: 1, slotsUsed: 0, slotsFree: 3 } : { instances: 0, runners: 0, slotsUsed: 0, slotsFree: 0 },
    );
  });

  it('records a change of slots at once when asked, without waiting for the renewal', async () => {
    handle = await kind.open();
    const { db } = handle;
    const slots = { used: 0, max: 3 };
    const lease = await takeLease(db, { leaseMs: 60_000, logger: captureLogs().logger, orphans, slots: () => slots });
    leases.push(lease);
    slots.used = 3;
    expect((await fleetStatus(db, 60_000)).slotsFree).toBe(3);
    await lease.report();
    expect(await fleetStatus(db, 60_000)).toMatchObject({ slotsUsed: 3, slotsFree: 0 });
  });

  if (kind.name === 'postgres') {
    it("a process that starts leaves another live process's interviews running", async () => {
      handle = await kind.open();
      const { db } = handle;
      const first = await take(db);
      const interview = await liveInterview(db, first.instanceId);
      await take(db);
      expect(await state(db, interview)).toMatchObject({ status: 'live', feedback_status: 'generating' });
    });
  } else {
    it('an embedded database belongs to one process: a start takes over the leases of runs before it', async () => {
      handle = await kind.open();
      const { db } = handle;
      const before = await take(db);
      const interview = await liveInterview(db, before.instanceId);
      // The earlier run was killed (no release); the next start is the only process on this data.
      await take(db);
      expect(await state(db, interview)).toEqual({ status: 'ended', ended_by: 'error', feedback_status: 'failed' });
    });
  }
});
