// How a process is put together to have interviews run: in itself (the one-process server, on
// the embedded database or any other), or as part of a fleet on one PostgreSQL (server/fleet),
// as a web instance, a runner, or both.
import type { Config } from './config.ts';
import { createVault, type Vault } from './crypto/vault.ts';
import type { Database } from './db/database.ts';
import { FeedbackWriter } from './feedback/index.ts';
import { EVENTS_CHANNEL, FleetRunners, openLink, openStartQueue, serveStarts, type PublishedEvent } from './fleet/index.ts';
import type { WorkerStatus } from './http/health.ts';
import type { Lease } from './instances/index.ts';
import { InterviewEvents, InterviewRunner, LocalRunners, type EventPublisher, type Runners } from './interviews/index.ts';
import type { Logger } from './logger.ts';
import { WorkerPool, workerPoolOptions } from './workers/index.ts';

/** Everything the web side needs to have interviews run, wherever their runners are. */
export interface InterviewParts {
  events: InterviewEvents;
  /** Where events go: this process's streams, or every web instance's. */
  publish: EventPublisher;
  runners: Runners;
  vault: Vault;
  feedbackWriter: FeedbackWriter;
  /** This process's interview slots, for /health (none on a web-only instance). */
  workers: WorkerStatus;
  /** On SIGTERM: refuses new interviews and lets the live ones run for up to limitMs (see InterviewRunner.drain). */
  drain(limitMs: number): Promise<number>;
  /** Stops hearing other processes (a fleet's link and queue). */
  close(): Promise<void>;
}

interface PartsDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** This process's lease (server/instances). */
  instanceId?: string;
  feedbackTimeoutMs?: number;
}

function writerOf({ config, db, logger, instanceId, feedbackTimeoutMs }: PartsDeps, publish: EventPublisher) {
  const vault = createVault(config.encryptionKeys);
  const feedbackWriter = new FeedbackWriter({ db, vault, events: publish, logger, production: config.isProduction, timeoutMs: feedbackTimeoutMs, instanceId });
  return { vault, feedbackWriter };
}

/** The one-process server's interviews: its events, its own pool, nothing between them. */
export function localInterviews(deps: PartsDeps & { pool?: WorkerPool }): InterviewParts & { pool: WorkerPool } {
  const { config, db, logger } = deps;
  const events = new InterviewEvents();
  const { vault, feedbackWriter } = writerOf(deps, events);
  const pool = deps.pool ?? new WorkerPool({ ...workerPoolOptions(config), logger });
  const runner = new InterviewRunner({ db, pool, publish: events, vault, config, logger, feedbackWriter });
  return {
    events,
    publish: events,
    runners: new LocalRunners(pool, runner),
    vault,
    feedbackWriter,
    workers: pool,
    pool,
    drain: (limitMs) => runner.drain(limitMs),
    close: async () => {},
  };
}

const NO_SLOTS: WorkerStatus = { active: () => 0, max: 0 };

/**
 * A process of a fleet on one PostgreSQL: events reach every web instance through the link, starts
 * go through the queue, and with a `pool` (MOCKFLOW_ROLE all or runner) this process runs some.
 */
export async function fleetInterviews(deps: PartsDeps & { url: string; lease: Lease; leaseMs: number; pool?: WorkerPool }): Promise<InterviewParts & { wake(): void }> {
  const { config, db, logger, url, lease, pool } = deps;
  const events = new InterviewEvents();
  // Events sent while the link was down are lost to this process: its streams end, and the browsers reconnect to a snapshot.
  const link = await openLink({ url, db, logger, onReconnect: () => events.closeStreams() });
  const publish: EventPublisher = {
    publish: (interviewId, type, data) =>
      link.post(EVENTS_CHANNEL, { interviewId, type, data }).catch((err: unknown) => logger.error({ err, interviewId, type }, 'could not publish an interview event')),
  };
  const web = config.role !== 'runner';
  if (web) {
    await link.listen(EVENTS_CHANNEL, (body) => {
      const { interviewId, type, data } = body as PublishedEvent;
      events.publish(interviewId, type, data);
    });
  }
  const queue = await openStartQueue(url, logger);
  const { vault, feedbackWriter } = writerOf({ ...deps, instanceId: lease.instanceId }, publish);
  const runner = pool ? new InterviewRunner({ db, pool, publish, vault, config, logger, feedbackWriter }) : undefined;
  const starts =
    pool && runner
      ? await serveStarts({ db, link, queue, instanceId: lease.instanceId, pool, runner, logger })
      : undefined;
  const runners = new FleetRunners({ db, link, queue, instanceId: lease.instanceId, leaseMs: deps.leaseMs, publish, local: runner });
  if (web) await runners.open();
  return {
    events,
    publish,
    runners,
    vault,
    feedbackWriter,
    workers: pool ?? NO_SLOTS,
    drain: async (limitMs) => (runner ? runner.drain(limitMs) : 0),
    wake: () => starts?.wake(),
    async close() {
      starts?.close();
      await queue.close();
      await link.close();
    },
  };
}
