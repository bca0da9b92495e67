// Interview starts as jobs on pg-boss (PostgreSQL, FOR UPDATE SKIP LOCKED): a web instance
// sends one, a runner with a free slot takes it, and no two runners take the same. A job names
// the interview, its owner and the web instance waiting for it; never a key or the résumé.
import PgBoss from 'pg-boss';
import type { Logger } from '../logger.ts';

const QUEUE = 'interview-start';

export interface StartJobData {
  interviewId: string;
  userId: string;
  /** The web instance that answers the candidate's request (its lease id). */
  web: string;
}

export interface TakenStart extends StartJobData {
  jobId: string;
}

export interface StartQueue {
  send(job: StartJobData, expireInSeconds: number): Promise<void>;
  /** Takes at most `count` waiting starts. */
  take(count: number): Promise<TakenStart[]>;
  /** The start is over (run or refused): the job is done with. */
  finish(jobId: string): Promise<void>;
  close(): Promise<void>;
}

export async function openStartQueue(url: string, logger: Logger): Promise<StartQueue> {
  const boss = new PgBoss({
    connectionString: url,
    application_name: 'mockflow-starts',
    max: 2,
    schedule: false,
    // A start's job is over in seconds; nothing about it needs keeping.
    deleteAfterSeconds: 3_600,
  });
  boss.on('error', (err) => logger.warn({ err }, 'the interview start queue reported an error'));
  await boss.start();
  await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 0 });
  return {
    async send(job, expireInSeconds) {
      await boss.send(QUEUE, job, { retryLimit: 0, expireInSeconds });
    },
    async take(count) {
      const jobs = await boss.fetch<StartJobData>(QUEUE, { batchSize: count });
      return jobs.map((job) => ({ ...job.data, jobId: job.id }));
    },
    async finish(jobId) {
      await boss.complete(QUEUE, jobId);
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true });
    },
  };
}
