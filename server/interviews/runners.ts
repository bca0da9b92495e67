import type { Stage } from '../../shared/vocabulary.ts';
import type { WorkerPool } from '../workers/index.ts';
import { poolClosed, poolFull } from '../workers/index.ts';
import type { InterviewRunner } from './runner.ts';
import type { InterviewRow } from './store.ts';

// How the web side of an interview reaches the runner that has its child: in this process
// (LocalRunners, the one-process server), or through PostgreSQL to whichever runner claimed the
// start (server/fleet's FleetRunners).

/** What a start needs that the interview's row does not keep. */
export interface StartBrief {
  resumeText?: string;
  jobDescription?: string;
}

export interface StartJob {
  interviewId: string;
  userId: string;
  brief: StartBrief;
}

/** The candidate's input to a live interview, and End. */
export type Command =
  | { type: 'user_text'; text: string }
  | { type: 'skip_stage'; stage?: Stage }
  | { type: 'retry' }
  | { type: 'presence' }
  | { type: 'stop'; reason: 'candidate' };

/**
 * done: handed to the child (a stop: the end is recorded); ending: the child is ending and
 * dropped it; gone: no runner has the interview; not_paused: a retry with nothing to retry.
 */
export type CommandResult = 'done' | 'ending' | 'gone' | 'not_paused';

/** What the candidate is told when their interview is over (or no runner has it any more). */
export const INTERVIEW_ENDED = 'This interview has ended.';

export interface Runners {
  /** Refuses at once (429, or 503 while stopping) when no runner would take a start now. */
  admit(): Promise<void>;
  /**
   * Runs the interview, whose row this process created, on a runner; resolves once its child is
   * ready. Rejects with an HttpError that says what went wrong; the row is gone then.
   */
  start(job: StartJob): Promise<{ roomName?: string }>;
  command(row: InterviewRow, command: Command): Promise<CommandResult>;
  /** Whether a live row's interview is still running (a one-process server knows; a fleet trusts the row and the leases). */
  running(row: InterviewRow): boolean;
}

/** The one-process server: the runner is this process's own. */
export class LocalRunners implements Runners {
  constructor(
    private readonly pool: WorkerPool,
    private readonly runner: InterviewRunner,
  ) {}

  async admit(): Promise<void> {
    if (!this.pool.accepting()) throw poolClosed();
    if (this.pool.active() >= this.pool.max) throw poolFull(60);
  }

  start(job: StartJob): Promise<{ roomName?: string }> {
    return this.runner.run(job);
  }

  command(row: InterviewRow, command: Command): Promise<CommandResult> {
    return this.runner.command(row.id, command);
  }

  running(row: InterviewRow): boolean {
    return Boolean(this.pool.get(row.id));
  }
}
