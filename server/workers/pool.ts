// The capped pool of interview children: one child process per live interview, at most `max`.
// A start when full is refused at once (never queued); a slot is taken synchronously before the
// fork and given back when the process is gone, however it went.
//
// With `warmSpare`, one child is forked ahead of time while a slot is free: it loads the agent's
// code (most of a start's time) and waits, holding no keys, for the next interview's `start`.
// A child still serves exactly one interview; the spare is never counted as a slot, and none is
// kept when every slot is taken, so the processes alive never exceed `max`.

import { startSecrets, type StartMessage } from '../../agent/protocol.ts';
import { redactor, type Redact } from '../../shared/redact.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { resolveChildUser, type ChildUser } from './child-user.ts';
import { poolClosed, poolFull } from './errors.ts';
import type { ChildProcess } from 'node:child_process';
import { agentEntry, spawnAgent, type AgentEntry, type SpawnedAgent } from './spawn.ts';
import { ChildSupervisor, type InterviewCallbacks, type InterviewChild } from './supervisor.ts';

export { agentDidNotStart, poolClosed, poolFull } from './errors.ts';
export type { InterviewCallbacks, InterviewChild, InterviewEnd, LiveMessage } from './supervisor.ts';

const MINUTE = 60_000;
/** How long a shutdown gives the children to end and their last lines to be written. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface WorkerPoolOptions {
  /** MAX_CONCURRENT_WORKERS. */
  max: number;
  /** V8 heap cap of each child, in MB. */
  heapMb: number;
  logger: Logger;
  /** No candidate turn for this long ends an interview with `idle` (default 3 min; 0 disables). */
  idleMs?: number;
  /** Whole-interview limit, sent to the child and enforced here too (default 20 min). */
  maxDurationMs?: number;
  /** Added to maxDurationMs for the pool's backstop, so the child's own limit normally acts first. */
  durationSlackMs?: number;
  /** Fork → `ready` (default 15 s). */
  readyTimeoutMs?: number;
  /** After `stop` or `ended`, how long before the child is killed (default 5 s); a shutdown has its own deadline. */
  stopGraceMs?: number;
  /** What a full pool tells the caller (default 60). */
  retryAfterSeconds?: number;
  /** The file to fork (default: the agent, from sources or the bundle; see spawn.ts). */
  entry?: AgentEntry;
  /** The server's environment, filtered through the allow-list (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Keep one child forked ahead of time while a slot is free (default false). */
  warmSpare?: boolean;
  /** Run children as this user (a root server's AGENT_USER); default: the server's own. */
  user?: ChildUser;
  /** A slot was taken or given back, or the pool stopped taking starts. */
  onSlotsChanged?: () => void;
}

/** The pool's settings from the validated config. */
export function workerPoolOptions(config: Config): Pick<WorkerPoolOptions, 'max' | 'heapMb' | 'idleMs' | 'maxDurationMs' | 'warmSpare' | 'user'> {
  return {
    user: resolveChildUser(config.workers.user),
    max: config.workers.max,
    heapMb: config.workers.heapMb,
    warmSpare: config.workers.warmSpare,
    idleMs: config.interview.idleMinutes * MINUTE,
    maxDurationMs: config.interview.maxMinutes * MINUTE,
  };
}

export interface StartInterview extends InterviewCallbacks {
  /** Sent to the child over IPC as is (with maxDurationSeconds filled in when absent); never logged. */
  start: StartMessage;
}

export class WorkerPool {
  readonly max: number;
  private readonly options: WorkerPoolOptions;
  private readonly entry: AgentEntry;
  /** Processes alive: what the cap counts. */
  private readonly children = new Map<string, ChildSupervisor>();
  /** Until each one's end has been delivered, which may be a little after its process is gone. */
  private readonly supervisors = new Map<string, ChildSupervisor>();
  private closing?: Promise<void>;
  private draining = false;
  private spare?: SpawnedAgent;

  constructor(options: WorkerPoolOptions) {
    this.options = options;
    this.max = options.max;
    this.entry = options.entry ?? agentEntry();
    this.refillSpare();
  }

  /** Whether a start may be taken: not once a drain or shutdown has begun. */
  accepting(): boolean {
    return !this.closing && !this.draining;
  }

  /** The interviews that have a child, until each one's end has been delivered. */
  interviewIds(): string[] {
    return [...this.supervisors.keys()];
  }

  /** Children alive, starting ones included. */
  active(): number {
    return this.children.size;
  }

  /**
   * The child of this interview until its end has been delivered, starting ones included (so a
   * starting interview can be stopped; `send` refuses until it is ready and once it is ending).
   */
  get(interviewId: string): InterviewChild | undefined {
    return this.supervisors.get(interviewId)?.handle;
  }

  /**
   * Forks a child for the interview and resolves once it is ready. Rejects with poolFull (429)
   * at once when every slot is taken, with poolClosed (503) during shutdown (also for a child
   * still starting when it began), with agentDidNotStart (502) when the child does not become ready.
   * A child that was forked is gone and its `onEnd` has run before the start rejects.
   * Messages are delivered through the callbacks from `ready` on.
   */
  async start({ start, onMessage, onEnd, onIdleSoon }: StartInterview): Promise<InterviewChild> {
    // Everything up to launch() runs synchronously, so concurrent starts cannot pass the cap.
    if (!this.accepting()) throw poolClosed();
    if (this.children.size >= this.max) throw poolFull(this.options.retryAfterSeconds ?? 60);
    const { interviewId } = start.interview;
    if (this.supervisors.has(interviewId)) throw new Error(`interview ${interviewId} already has a child process`);

    const maxDurationMs = this.options.maxDurationMs ?? 20 * MINUTE;
    const maxDurationSeconds = start.interview.maxDurationSeconds ?? Math.ceil(maxDurationMs / 1000);
    const room = start.mode === 'voice' ? start.livekit.room : undefined;
    const logger = this.options.logger.child({ interviewId, ...(room ? { room } : {}) });
    // The parent logs what the child prints: the secrets sent in `start` are taken out of every
    // line, whatever printed it (the child's own logger cleans only what it logs).
    const redact = redactor(startSecrets(start));
    const supervisor = new ChildSupervisor({
      start: { ...start, interview: { ...start.interview, maxDurationSeconds } },
      logger,
      redact,
      onMessage,
      onEnd,
      onIdleSoon,
      limits: {
        readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
        idleMs: this.options.idleMs ?? 3 * MINUTE,
        maxDurationMs: maxDurationSeconds * 1000 + (this.options.durationSlackMs ?? 15_000),
        stopGraceMs: this.options.stopGraceMs ?? 5_000,
      },
      fork: () => this.takeSpare(logger, redact) ?? this.spawn(logger, redact).child,
      onExit: () => {
        if (this.children.get(interviewId) === supervisor) this.children.delete(interviewId);
        this.refillSpare();
        this.options.onSlotsChanged?.();
      },
    });
    this.children.set(interviewId, supervisor);
    this.options.onSlotsChanged?.();
    this.supervisors.set(interviewId, supervisor);
    void supervisor.done.then(() => {
      if (this.supervisors.get(interviewId) === supervisor) this.supervisors.delete(interviewId);
    });
    try {
      await supervisor.launch();
    } finally {
      // Not before: a spare loading its code would slow down the child that is starting.
      this.refillSpare();
    }
    return supervisor.handle;
  }

  /** The process id of the spare child waiting for an interview, if there is one. */
  sparePid(): number | undefined {
    return this.spare?.child.pid;
  }

  private spawn(logger: Logger, redact?: Redact): SpawnedAgent {
    return spawnAgent({ entry: this.entry, heapMb: this.options.heapMb, logger, redact, env: this.options.env ?? process.env, user: this.options.user });
  }

  private refillSpare(): void {
    if (!this.options.warmSpare || !this.accepting() || this.spare || this.children.size >= this.max) return;
    let spare: WorkerPool['spare'];
    try {
      spare = this.spawn(this.options.logger.child({ spare: true }));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not fork a spare interview child');
      return;
    }
    const forgotten = spare;
    this.spare = spare;
    // A spare that dies is not replaced at once (no fork loop): the next start or end refills.
    spare.child.once('exit', () => {
      if (this.spare === forgotten) this.spare = undefined;
    });
    spare.child.on('error', (error) => this.options.logger.warn({ err: error }, 'spare interview child failed'));
  }

  /** The spare, if it is still alive, now belonging to this interview (its output logged and cleaned as such). */
  private takeSpare(logger: Logger, redact: Redact): ChildProcess | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare || spare.child.exitCode !== null || spare.child.signalCode !== null || !spare.child.connected) {
      if (spare) spare.child.kill('SIGKILL');
      return undefined;
    }
    spare.setOutput(logger, redact);
    spare.child.removeAllListeners('error');
    return spare.child;
  }

  /**
   * The first step of a deploy's shutdown: starts are refused from now on (poolClosed), the spare
   * goes, and the live interviews carry on until they end by themselves or `limitMs` has passed.
   * Resolves with how many are still live then (`shutdown` ends those).
   */
  async drain(limitMs: number): Promise<number> {
    this.draining = true;
    this.options.onSlotsChanged?.();
    void this.dropSpare(performance.now() + SHUTDOWN_GRACE_MS);
    const live = [...this.supervisors.values()];
    if (live.length > 0) {
      this.options.logger.info({ children: live.length, limitMs }, 'letting live interviews finish before stopping');
      await within(Promise.all(live.map((c) => c.done)), limitMs);
    }
    return this.supervisors.size;
  }

  /**
   * Stops every child with reason `shutdown` and gives them until one deadline, graceMs from
   * now, to end and have their last messages and end delivered; each child still there at the
   * deadline is killed by its own supervisor. Resolves when none is left. Starts are refused
   * from the first call on.
   */
  shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing ??= this.stopAll(performance.now() + graceMs);
    return this.closing;
  }

  /** The spare, if any, is no longer offered and ends (see endSpare). */
  private async dropSpare(deadline: number): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await endSpare(spare.child, deadline);
  }

  private async stopAll(deadline: number): Promise<void> {
    const spareEnded = this.dropSpare(deadline);
    // Gone but with their end still being recorded count too: the database must outlive that.
    const all = [...this.supervisors.values()];
    if (all.length > 0) this.options.logger.info({ children: all.length }, 'stopping interview children');
    for (const child of all) void child.stop('shutdown', deadline);
    await Promise.all([spareEnded, ...all.map((c) => c.exited)]);
    // Those killed at the deadline still have their end (reason `shutdown`) on its way.
    await within(Promise.all(all.map((c) => c.done)), Math.max(deadline - performance.now(), 2_000));
  }
}

/** A spare holds no interview: SIGTERM, and SIGKILL if it is still there at the deadline. */
async function endSpare(child: ChildProcess, deadline: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - performance.now()));
  await exited;
  clearTimeout(timer);
}

async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
