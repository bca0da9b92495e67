import type { StartMessage } from '../../agent/protocol.ts';
import type { InterviewEventData, InterviewEventType } from '../../shared/api.ts';
import type { Resolver } from '../../shared/net-guard.ts';
import type { EndReason, ExperienceLevel } from '../../shared/vocabulary.ts';
import type { Config } from '../config.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { storableJson } from '../db/storable-text.ts';
import { wantsFeedbackAfterInterview, type FeedbackWriter } from '../feedback/index.ts';
import { childKeys } from '../keys/index.ts';
import type { Logger } from '../logger.ts';
import type { InterviewEnd, LiveMessage, WorkerPool } from '../workers/index.ts';
import { mintRoomTokens } from './livekit-tokens.ts';
import { presentInterview } from './presenter.ts';
import { presentTurn } from './response-times.ts';
import type { Command, CommandResult, StartJob } from './runners.ts';
import * as store from './store.ts';

// The runner's side of an interview: with the owner's keys, read and opened here, it forks the
// child, writes every line the child reports to the owner's row at once (RLS), publishes it to
// every event stream, passes the candidate's turns on, and ends the interview in every case.

/** Where a runner's events go: this process's streams, or every web instance's (server/fleet). */
export interface EventPublisher {
  publish<T extends InterviewEventType>(interviewId: string, type: T, data: InterviewEventData[T]): unknown;
}

/** What both sides of an interview work with. */
export interface InterviewDeps {
  db: Database;
  /** Where events go (every web instance's streams). */
  publish: EventPublisher;
  vault: Vault;
  config: Config;
  logger: Logger;
  /** Host lookups when the saved URLs are re-checked at start (the system resolver by default). */
  resolveHost?: Resolver;
  /** Writes feedback when an interview ends, for users who want that (the default). */
  feedbackWriter?: FeedbackWriter;
}

export interface InterviewRunnerDeps extends InterviewDeps {
  pool: WorkerPool;
}

/** Ends after which feedback is written at once (not after an error or a restart: the candidate may start again). */
const WRITES_FEEDBACK_AFTER = new Set<EndReason>(['completed', 'candidate', 'idle', 'timeout']);

export class InterviewRunner {
  /** Live interviews paused by a failing provider: "Try again" is for those only. */
  private readonly paused = new Set<string>();

  constructor(private readonly deps: InterviewRunnerDeps) {}

  /**
   * Starts the child of an interview whose row exists, and resolves once it is ready (with the
   * voice room it made). A start that never reached ready leaves no interview behind (no ghost card
   * in the history, the chart or the counts): the row is deleted and the error says what went wrong.
   */
  async run({ interviewId, userId, brief }: StartJob): Promise<{ roomName?: string }> {
    const { db, pool, publish, config, logger } = this.deps;
    let ended = false;
    try {
      const row = await withUser(db, userId, (tx) => store.getInterview(tx, interviewId));
      if (!row || row.status !== 'live') throw new Error(`interview ${interviewId} is not waiting to start`);
      const { keys, livekit } = await childKeys({ db, vault: this.deps.vault, production: config.isProduction, resolveHost: this.deps.resolveHost }, userId, row.mode);
      const tokens = livekit ? await mintRoomTokens(livekit.apiKey, livekit.apiSecret, row.candidate_name) : undefined;
      if (tokens) await store.setRoom(db, userId, interviewId, tokens.room);
      const common = {
        type: 'start' as const,
        keys,
        interview: {
          interviewId,
          candidateName: row.candidate_name,
          jobRole: row.job_role ?? '',
          // Written by this start's web instance from a validated request.
          experienceLevel: row.experience_level as ExperienceLevel,
          resumeText: brief.resumeText || undefined,
          jobDescription: brief.jobDescription || undefined,
          interviewerName: config.interview.interviewerName,
          maxDurationSeconds: config.interview.maxMinutes * 60,
          providerPauseSeconds: config.interview.pauseSeconds,
          ...(row.mode === 'voice' ? { patience: row.patience } : {}),
          feedbackAfterInterview: await withUser(db, userId, (tx) => wantsFeedbackAfterInterview(tx, userId)),
        },
      };
      const start: StartMessage =
        livekit && tokens
          ? { ...common, mode: 'voice', livekit: { url: livekit.url, token: tokens.agent.token, room: tokens.room, candidateIdentity: tokens.candidate.identity } }
          : { ...common, mode: 'text' };

      publish.publish(interviewId, 'status', { status: 'starting' });
      const child = await pool.start({
        start,
        onMessage: (message) => this.record(userId, interviewId, message),
        onEnd: (end) => {
          ended = true;
          return this.finish(userId, interviewId, end);
        },
        onIdleSoon: (endsAt) => publish.publish(interviewId, 'idle_warning', { endsAt }),
      });
      logger.info({ interviewId, mode: row.mode, pid: child.pid, readyMs: child.readyMs }, 'interview started');
      if (!ended) publish.publish(interviewId, 'status', { status: 'live' });
      return tokens ? { roomName: tokens.room } : {};
    } catch (err) {
      // A forked child's end has deleted the row already (see finish); one never forked (slots
      // filled up meanwhile, the server is stopping, the keys refused) is deleted here.
      if (!ended) await store.deleteInterview(db, userId, interviewId);
      throw err;
    }
  }

  /** Hands the candidate's input or End to the interview's child, if this runner has it. */
  async command(interviewId: string, command: Command): Promise<CommandResult> {
    const child = this.deps.pool.get(interviewId);
    if (!child) return 'gone';
    switch (command.type) {
      case 'stop':
        await child.stop(command.reason);
        return 'done';
      case 'presence':
        return child.stillHere() ? 'done' : 'gone';
      case 'retry':
        if (!this.paused.has(interviewId)) return 'not_paused';
        return child.send(command) ? 'done' : 'ending';
      default:
        return child.send(command) ? 'done' : 'ending';
    }
  }

  /**
   * A deploy's shutdown delay: no new interview starts here, and each candidate under way is told
   * when the interview will end at the latest (sooner if it ends by itself). Resolves with how many
   * are still live when the delay is over.
   */
  drain(limitMs: number): Promise<number> {
    const { pool, publish } = this.deps;
    const drained = pool.drain(limitMs);
    const endsAt = Date.now() + limitMs;
    for (const id of pool.interviewIds()) publish.publish(id, 'server_stopping', { endsAt });
    return drained;
  }

  /** Persists one message from the child, then publishes it (so a reload never misses a line). */
  private async record(userId: string, interviewId: string, message: LiveMessage): Promise<void> {
    const { db, publish, logger } = this.deps;
    try {
      switch (message.type) {
        case 'item': {
          // What was said is kept even when a model or STT wrote a NUL or half a surrogate pair.
          const item = storableJson(message.item);
          await store.appendItem(db, userId, interviewId, item);
          publish.publish(interviewId, 'item', item);
          break;
        }
        case 'stage':
          await store.recordStage(db, userId, interviewId, message);
          publish.publish(interviewId, 'stage', { stage: message.stage, previous: message.previous, skipped: message.skipped, by: message.by, at: message.at });
          break;
        case 'metrics':
          await store.appendMetrics(db, userId, interviewId, message.metrics);
          publish.publish(interviewId, 'metrics', presentTurn(message.metrics));
          break;
        case 'error':
          await store.recordError(db, userId, interviewId, message.message);
          publish.publish(interviewId, 'error', { message: message.message, provider: message.provider ?? null });
          break;
        case 'paused':
          this.paused.add(interviewId);
          publish.publish(interviewId, 'paused', { provider: message.provider, message: message.message, endsAt: message.endsAt });
          break;
        case 'resumed':
          this.paused.delete(interviewId);
          publish.publish(interviewId, 'resumed', {});
          break;
        case 'ended':
          break; // the pool's end notification follows and carries the reason
      }
    } catch (err) {
      logger.error({ err, interviewId, type: message.type }, 'could not record an interview message');
    }
  }

  private async finish(userId: string, interviewId: string, end: Pick<InterviewEnd, 'reason' | 'error' | 'ready'>): Promise<void> {
    this.paused.delete(interviewId);
    // The start's own answer carries the reason; see run().
    if (!end.ready) await store.deleteInterview(this.deps.db, userId, interviewId).catch((err: unknown) => this.deps.logger.error({ err, interviewId }, 'could not delete an interview that did not start'));
    else await recordEnd(this.deps, userId, interviewId, end);
  }
}

/**
 * Records the end of a live interview (a no-op for one already ended), tells its streams, and
 * has its feedback written when the candidate wants that.
 */
export async function recordEnd(
  deps: Pick<InterviewRunnerDeps, 'db' | 'publish' | 'logger' | 'feedbackWriter'>,
  userId: string,
  interviewId: string,
  end: { reason: EndReason; error?: string },
): Promise<void> {
  const { db, publish, logger } = deps;
  const { reason } = end;
  try {
    const row = await store.endInterview(db, userId, interviewId, reason);
    if (!row) return;
    logger.info({ interviewId, reason, durationMs: Date.now() - new Date(row.started_at).getTime() }, 'interview ended');
    const feedbackComing = WRITES_FEEDBACK_AFTER.has(reason) && deps.feedbackWriter !== undefined && (await withUser(db, userId, (tx) => wantsFeedbackAfterInterview(tx, userId)));
    announceEnd(publish, row, { error: end.error, feedbackComing });
    if (feedbackComing) void deps.feedbackWriter!.afterEnd(userId, interviewId);
  } catch (err) {
    logger.error({ err, interviewId }, 'could not record the end of an interview');
  }
}

/** Tells an ended interview's streams how it ended. */
function announceEnd(publish: EventPublisher, row: store.InterviewRow, { error, feedbackComing }: { error?: string; feedbackComing: boolean }): void {
  publish.publish(row.id, 'status', { status: row.status, endedBy: row.ended_by });
  publish.publish(row.id, 'ended', { reason: row.ended_by ?? 'error', error: error ?? row.error_message ?? null, interview: presentInterview(row), feedbackComing });
}

/**
 * Ends the live interviews of every process whose lease has run out (server/instances' sweep),
 * telling their streams, so a candidate whose runner was killed sees the end at once; how many.
 */
export async function endOrphans(db: Database, leaseMs: number, publish: EventPublisher): Promise<number> {
  const rows = await store.endOrphanedInterviews(db, leaseMs);
  for (const row of rows) announceEnd(publish, row, { feedbackComing: false });
  return rows.length;
}
