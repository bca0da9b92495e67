// A server process's lease in public.mockflow_instances: taken at start, renewed three times a
// lease, given back at a clean stop. Whatever another process left live under a lease that ran
// out is ended here, at start and on each renewal: a process killed outright has its interviews
// ended as errors within about one lease, by whichever process is still running.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { FleetStatus } from '../http/health.ts';
import type { Logger } from '../logger.ts';

export interface Lease {
  readonly instanceId: string;
  /** Records this process's slots now (a start or an end changed them), without waiting for the renewal. */
  report(): Promise<void>;
  /** Stops renewing and removes the lease (a clean stop: this process ended its own work). */
  release(): Promise<void>;
}

export interface Orphans {
  /** Ends the live interviews of expired or missing leases; how many. */
  interviews(db: Database, leaseMs: number): Promise<number>;
  /** Fails the feedback generations of expired or missing leases; how many. */
  feedback(db: Database, leaseMs: number): Promise<number>;
}

export interface LeaseOptions {
  leaseMs: number;
  logger: Logger;
  orphans: Orphans;
  /** This process's interview slots, recorded with each renewal. */
  slots: () => { used: number; max: number };
  /** False for a web-only process (MOCKFLOW_ROLE=web): it is not counted as a runner. */
  runsInterviews?: boolean;
}

export async function takeLease(db: Database, { leaseMs, logger, orphans, slots, runsInterviews = true }: LeaseOptions): Promise<Lease> {
  const instanceId = randomUUID();
  const { used, max } = slots();
  await db.query('insert into public.mockflow_instances (id, slots_used, slots_max, runs_interviews) values ($1, $2, $3, $4)', [
    instanceId,
    used,
    max,
    runsInterviews,
  ]);
  // Embedded PGlite is one process's alone: any other lease in it is a run that has stopped.
  if (db.kind === 'pglite') await db.query('delete from public.mockflow_instances where id <> $1', [instanceId]);

  const sweep = async () => {
    const [interviews, feedback] = [await orphans.interviews(db, leaseMs), await orphans.feedback(db, leaseMs)];
    if (interviews > 0) logger.warn({ interviews }, 'ended interviews whose server process stopped without ending them');
    if (feedback > 0) logger.warn({ feedback }, 'failed feedback generations whose server process stopped');
    await db.query(`delete from public.mockflow_instances where renewed_at < now() - make_interval(secs => $1)`, [(leaseMs * 4) / 1000]);
  };
  await sweep();

  const renew = async () => {
    const { used, max } = slots();
    await db.query('update public.mockflow_instances set renewed_at = now(), slots_used = $2, slots_max = $3 where id = $1', [instanceId, used, max]);
  };
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      try {
        await renew();
        await sweep();
      } catch (err) {
        logger.warn({ err }, 'could not renew the server lease');
      }
    })();
  }, Math.max(500, Math.floor(leaseMs / 3)));
  timer.unref();

  return {
    instanceId,
    report: renew,
    async release() {
      clearInterval(timer);
      await renewing;
      await db.query('delete from public.mockflow_instances where id = $1', [instanceId]);
    },
  };
}

/** A lease renewed within the last lease period, as a SQL condition on `mockflow_instances` ($1: the lease in seconds). */
const LIVE = 'renewed_at > now() - make_interval(secs => $1)';

/** Whether the process `instanceId` holds a live lease. */
export async function leaseIsLive(db: Database, instanceId: string, leaseMs: number): Promise<boolean> {
  const { rows } = await db.query(`select 1 from public.mockflow_instances where ${LIVE} and id = $2`, [leaseMs / 1000, instanceId]);
  return rows.length > 0;
}

/** The processes whose lease is live, how many of them run interviews, and their slots as last reported. */
export async function fleetStatus(db: Database, leaseMs: number): Promise<FleetStatus> {
  const { rows } = await db.query<{ instances: number; runners: number; used: number; free: number }>(
    `select count(*)::int as instances,
            (count(*) filter (where runs_interviews))::int as runners,
            coalesce(sum(slots_used) filter (where runs_interviews), 0)::int as used,
            coalesce(sum(greatest(slots_max - slots_used, 0)) filter (where runs_interviews), 0)::int as free
       from public.mockflow_instances where ${LIVE}`,
    [leaseMs / 1000],
  );
  const { instances, runners, used, free } = rows[0]!;
  return { instances, runners, slotsUsed: used, slotsFree: free };
}

/** A SQL condition on a row's instance column: true when no live lease covers it ($1: the lease in seconds). */
export function orphanedBy(column: string): string {
  return `(${column} is null or not exists (select 1 from public.mockflow_instances m where m.id = ${column} and m.${LIVE}))`;
}
