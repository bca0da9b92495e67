import type { Database } from '../db/database.ts';
import { sendableError } from '../http/errors.ts';
import { claimStart, takeBrief, type InterviewRunner } from '../interviews/index.ts';
import type { Logger } from '../logger.ts';
import { agentDidNotStart, COULD_NOT_START, type WorkerPool } from '../workers/index.ts';
import type { Link } from './link.ts';
import { instanceChannel, STARTS_CHANNEL, type InstanceMessage } from './messages.ts';
import type { StartQueue, TakenStart } from './start-queue.ts';

// The runner side of a fleet: while its pool has a free slot it takes waiting starts off the
// queue (woken by a notification, and checking now and then for one it missed), claims each
// interview, reads the brief and the owner's keys itself, and tells the waiting web instance how
// the start went; it answers the commands web instances send for the interviews it runs.

export interface ServeStartsOptions {
  db: Database;
  link: Link;
  queue: StartQueue;
  instanceId: string;
  pool: WorkerPool;
  runner: InterviewRunner;
  logger: Logger;
  /** How often the queue is checked without a notification (2 s). */
  checkEveryMs?: number;
}

export interface StartServer {
  /** A slot may have come free: take what is waiting. */
  wake(): void;
  close(): void;
}

export async function serveStarts(options: ServeStartsOptions): Promise<StartServer> {
  const { db, link, queue, instanceId, pool, runner, logger } = options;
  let claiming = 0;
  let taking = false;
  let again = false;
  let closed = false;
  const free = () => (pool.accepting() && !closed ? pool.max - pool.active() - claiming : 0);
  const reply = (to: string, message: InstanceMessage) =>
    link.post(instanceChannel(to), message).catch((err: unknown) => logger.warn({ err }, 'could not answer a web instance'));

  async function take(): Promise<void> {
    if (taking) return void (again = true);
    taking = true;
    try {
      do {
        again = false;
        while (free() > 0) {
          const [job] = await queue.take(1);
          if (!job) break;
          claiming += 1;
          void run(job);
        }
      } while (again);
    } catch (err) {
      logger.warn({ err }, 'could not take interview starts from the queue');
    } finally {
      taking = false;
    }
  }

  async function run(job: TakenStart): Promise<void> {
    const { interviewId, web } = job;
    try {
      const userId = await claimStart(db, interviewId, web, instanceId);
      if (!userId) return; // the web instance gave up on it: nobody waits for it any more
      await reply(web, { kind: 'claimed', interviewId, by: instanceId });
      try {
        const brief = await takeBrief(db, userId, interviewId);
        const { roomName } = await runner.run({ interviewId, userId, brief });
        await reply(web, { kind: 'started', interviewId, ...(roomName ? { roomName } : {}) });
      } catch (err) {
        await reply(web, { kind: 'start_failed', interviewId, error: sendableError(err, agentDidNotStart(COULD_NOT_START)) });
      }
    } catch (err) {
      logger.error({ err, interviewId }, 'could not claim an interview start');
    } finally {
      claiming -= 1;
      await queue.finish(job.jobId).catch((err: unknown) => logger.warn({ err }, 'could not mark an interview start done'));
      // A claim that forked nothing (withdrawn, refused) frees its slot here; the pool reports the others.
      void take();
    }
  }

  async function command(message: InstanceMessage): Promise<void> {
    if (message.kind !== 'command') return;
    const result = await runner.command(message.interviewId, message.command).catch((err: unknown) => {
      logger.error({ err, interviewId: message.interviewId }, 'could not pass a command to an interview');
      return 'ending' as const;
    });
    await reply(message.from, { kind: 'reply', reqId: message.reqId, result });
  }

  await link.listen(STARTS_CHANNEL, () => take());
  // Not awaited in the handler: an End waits for the child to finish, and must not hold up the turns of other interviews.
  await link.listen(instanceChannel(instanceId), (body) => void command(body as InstanceMessage));
  const timer = setInterval(() => void take(), options.checkEveryMs ?? 2_000);
  timer.unref();
  void take();
  return {
    wake: () => void take(),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
