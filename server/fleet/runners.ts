import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { agentDidNotStart, COULD_NOT_START, NOT_READY_IN_TIME, poolFull } from '../workers/index.ts';
import { receivedError, unavailable } from '../http/errors.ts';
import { endOrphans, saveBrief, withdrawStart, type Command, type CommandResult, type EventPublisher, type InterviewRow, type Runners, type StartJob } from '../interviews/index.ts';
import { fleetStatus, leaseIsLive } from '../instances/index.ts';
import type { Link } from './link.ts';
import { instanceChannel, STARTS_CHANNEL, type InstanceMessage } from './messages.ts';
import type { StartQueue } from './start-queue.ts';

// The web side of a fleet: a start goes on the queue for any runner with a free slot, and the
// candidate's turns, Skip and End go to the runner that owns the interview, wherever it runs.

export interface FleetRunnersOptions {
  db: Database;
  link: Link;
  queue: StartQueue;
  /** This process's lease. */
  instanceId: string;
  leaseMs: number;
  /** Where the end of an interview whose runner stopped is told (every web instance's streams). */
  publish: EventPublisher;
  /** This process's own runner (MOCKFLOW_ROLE=all): its interviews are reached directly. */
  local?: { command(interviewId: string, command: Command): Promise<CommandResult> };
  /** How long a start may wait for a runner to take it before the answer is 429 (10 s). */
  claimMs?: number;
  /** How long a taken start may take to be ready (the pool's own limit acts first; 60 s). */
  startMs?: number;
  /** How long the owner of an interview has to answer a turn (10 s) or an End (30 s). */
  replyMs?: number;
  stopReplyMs?: number;
}

interface WaitingStart {
  /** Once a runner has claimed it: checks that the runner is still there. */
  watch?: NodeJS.Timeout;
  resolve(started: { roomName?: string }): void;
  reject(error: Error): void;
}

const NOT_ANSWERED = 'The server running this interview did not answer — try again in a moment.';

export class FleetRunners implements Runners {
  private readonly starts = new Map<string, WaitingStart>();
  private readonly replies = new Map<string, (result: CommandResult) => void>();

  constructor(private readonly options: FleetRunnersOptions) {}

  /** Hears the runners' answers on this process's channel. */
  async open(): Promise<void> {
    await this.options.link.listen(instanceChannel(this.options.instanceId), (body) => this.heard(body as InstanceMessage));
  }

  async admit(): Promise<void> {
    const fleet = await fleetStatus(this.options.db, this.options.leaseMs);
    if (fleet.runners === 0) throw unavailable('No interview runner is running right now — try again in a moment.', 30);
    if (fleet.slotsFree === 0) throw poolFull(60);
  }

  async start({ interviewId, userId, brief }: StartJob): Promise<{ roomName?: string }> {
    const { db, link, queue, instanceId } = this.options;
    if (brief.resumeText || brief.jobDescription) await saveBrief(db, userId, interviewId, brief);
    const settled = new Promise<{ roomName?: string }>((resolve, reject) => this.starts.set(interviewId, { resolve, reject }));
    const claimMs = this.options.claimMs ?? 10_000;
    const startMs = this.options.startMs ?? 60_000;
    const unclaimed = setTimeout(() => void this.giveUp(interviewId), claimMs);
    const late = setTimeout(() => this.settle(interviewId, agentDidNotStart(NOT_READY_IN_TIME)), startMs);
    try {
      // Waited on together: a runner that finds the job on its own poll may answer before the
      // wake-up post returns, and an answer nobody waits on yet would be an unhandled rejection.
      const [started] = await Promise.all([
        settled,
        queue.send({ interviewId, userId, web: instanceId }, Math.ceil(startMs / 1000)).then(() => link.post(STARTS_CHANNEL, {})),
      ]);
      return started;
    } catch (err) {
      // Not taken by anyone (a runner that takes the job later finds it withdrawn).
      await withdrawStart(db, interviewId, instanceId).catch(() => {});
      throw err;
    } finally {
      clearTimeout(unclaimed);
      clearTimeout(late);
      clearInterval(this.starts.get(interviewId)?.watch);
      this.starts.delete(interviewId);
    }
  }

  async command(row: InterviewRow, command: Command): Promise<CommandResult> {
    const { link, instanceId, local } = this.options;
    const owner = row.instance_id;
    if (!owner) return 'gone';
    if (owner === instanceId && local) return local.command(row.id, command);
    const reqId = randomUUID();
    const answered = new Promise<CommandResult>((resolve) => this.replies.set(reqId, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), command.type === 'stop' ? (this.options.stopReplyMs ?? 30_000) : (this.options.replyMs ?? 10_000));
    });
    try {
      await link.post(instanceChannel(owner), { kind: 'command', reqId, from: instanceId, interviewId: row.id, command } satisfies InstanceMessage);
      const result = await Promise.race([answered, timedOut]);
      if (result !== 'timeout') return result;
      // No answer: a runner gone without ending its interviews (its lease runs out), or a slow one.
      if (!(await leaseIsLive(this.options.db, owner, this.options.leaseMs))) return 'gone';
      throw unavailable(NOT_ANSWERED, 5);
    } finally {
      clearTimeout(timer);
      this.replies.delete(reqId);
    }
  }

  /** A live row is trusted: an interview whose runner went away is ended within a lease. */
  running(): boolean {
    return true;
  }

  private heard(message: InstanceMessage): void {
    switch (message.kind) {
      case 'reply':
        this.replies.get(message.reqId)?.(message.result);
        break;
      case 'claimed': {
        const waiting = this.starts.get(message.interviewId);
        if (!waiting) break;
        clearInterval(waiting.watch);
        waiting.watch = this.watchRunner(message.interviewId, message.by);
        break;
      }
      case 'started':
        this.settle(message.interviewId, undefined, { roomName: message.roomName });
        break;
      case 'start_failed':
        this.settle(message.interviewId, receivedError(message.error));
        break;
    }
  }

  private settle(interviewId: string, error?: Error, started: { roomName?: string } = {}): void {
    const waiting = this.starts.get(interviewId);
    if (!waiting) return;
    clearInterval(waiting.watch);
    this.starts.delete(interviewId);
    if (error) waiting.reject(error);
    else waiting.resolve(started);
  }

  /**
   * A runner that stops (killed, its machine gone) while starting an interview never answers:
   * the start fails as soon as its lease has run out, not at the 60 s limit, and its interview
   * is ended then as the lease sweep would end it, so that the candidate can start again at once.
   */
  private watchRunner(interviewId: string, runnerId: string): NodeJS.Timeout {
    const { db, leaseMs, publish } = this.options;
    let checking = false;
    const watch = setInterval(() => {
      if (checking) return;
      checking = true;
      leaseIsLive(db, runnerId, leaseMs)
        .then(async (live) => {
          if (live || !this.starts.has(interviewId)) return;
          await endOrphans(db, leaseMs, publish);
          this.settle(interviewId, agentDidNotStart(COULD_NOT_START));
        })
        .catch(() => {}) // the database is away: the start's own limit still applies
        .finally(() => (checking = false));
    }, Math.max(250, Math.floor(leaseMs / 2)));
    watch.unref();
    return watch;
  }

  /** No runner took the start in time: withdrawn and answered as a full fleet, unless one takes it meanwhile. */
  private async giveUp(interviewId: string): Promise<void> {
    const waiting = this.starts.get(interviewId);
    if (!waiting || waiting.watch) return;
    if (await withdrawStart(this.options.db, interviewId, this.options.instanceId).catch(() => false)) this.settle(interviewId, poolFull(60));
  }
}
