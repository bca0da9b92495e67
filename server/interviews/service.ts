import type { StartMessage } from '../../agent/protocol.ts';
import type { Mode } from '../../shared/modes.ts';
import type { EndReason } from '../../shared/vocabulary.ts';
import type { Config } from '../config.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { storableJson } from '../db/storable-text.ts';
import { wantsFeedbackAfterInterview, type FeedbackWriter } from '../feedback/index.ts';
import { conflict } from '../http/errors.ts';
import type { Resolver } from '../../shared/net-guard.ts';
import { childKeys, roomKeys, type ChildKeysDeps } from '../keys/index.ts';
import type { Logger } from '../logger.ts';
import { poolFull, type InterviewEnd, type LiveMessage, type WorkerPool } from '../workers/index.ts';
import type { InterviewEvents } from './events.ts';
import { mintCandidateToken, mintRoomTokens } from './livekit-tokens.ts';
import { presentInterview } from './presenter.ts';
import { presentTurn } from './response-times.ts';
import type { StartInterviewInput } from './schema.ts';
import * as store from './store.ts';

export interface InterviewServiceDeps {
  db: Database;
  pool: WorkerPool;
  events: InterviewEvents;
  vault: Vault;
  config: Config;
  logger: Logger;
  /** Host lookups when the saved URLs are re-checked at start (the system resolver by default). */
  resolveHost?: Resolver;
  /** Writes feedback when an interview ends, for users who want that (the default). */
  feedbackWriter?: FeedbackWriter;
  /** This process's lease, recorded on each interview it runs. */
  instanceId?: string;
}

/** What the browser needs to join a voice interview's room. */
export interface RoomPass {
  url: string;
  token: string;
  room: string;
}

export interface Started {
  id: string;
  mode: 'voice' | 'text';
  status: 'live';
  livekit?: RoomPass;
}

export interface ProviderPause {
  provider: 'llm' | 'tts';
  message: string;
  /** Epoch ms: the interview ends then if the provider is still failing. */
  endsAt: number;
}

/**
 * The interview lifecycle on the server: start a child with the owner's keys, write every
 * line it reports to the owner's row at once (RLS), publish it live, and end it in every case.
 */
/** Ends after which feedback is written at once (not after an error or a restart: the candidate may start again). */
const WRITES_FEEDBACK_AFTER = new Set<EndReason>(['completed', 'candidate', 'idle', 'timeout']);

export class InterviewService {
  /** Live interviews paused by a failing provider, for a page that opens (or reloads) meanwhile. */
  private readonly pauses = new Map<string, ProviderPause>();

  constructor(private readonly deps: InterviewServiceDeps) {}

  /** What is failing in a live interview that is waiting for a provider, if anything. */
  pauseOf(interviewId: string): ProviderPause | undefined {
    return this.pauses.get(interviewId);
  }

  async start(userId: string, input: StartInterviewInput): Promise<Started> {
    const { db, pool, events, config, logger } = this.deps;
    // Before the capacity check, so a second interview is refused as such even when the server is full.
    if (await store.findLiveInterview(db, userId)) {
      throw conflict('You already have an interview running. Finish or end it before starting another.');
    }
    if (pool.active() >= pool.max) throw poolFull(60);

    const { keys: providerKeys, livekit } = await childKeys(this.keysDeps(), userId, input.mode);
    const tokens = livekit ? await mintRoomTokens(livekit.apiKey, livekit.apiSecret, input.candidate_name) : undefined;
    const row = await store.createInterview(db, userId, {
      candidateName: input.candidate_name,
      jobRole: input.job_role,
      experienceLevel: input.experience_level,
      mode: input.mode,
      roomName: tokens?.room ?? null,
      hasResume: Boolean(input.resume_text),
      hasJd: Boolean(input.job_description),
      patience: input.patience,
      instanceId: this.deps.instanceId,
    });
    const interviewId = row.id;
    const common = {
      type: 'start' as const,
      keys: providerKeys,
      interview: {
        interviewId,
        candidateName: input.candidate_name,
        jobRole: input.job_role,
        experienceLevel: input.experience_level,
        resumeText: input.resume_text || undefined,
        jobDescription: input.job_description || undefined,
        interviewerName: config.interview.interviewerName,
        maxDurationSeconds: config.interview.maxMinutes * 60,
        providerPauseSeconds: config.interview.pauseSeconds,
        ...(input.mode === 'voice' ? { patience: input.patience } : {}),
        feedbackAfterInterview: await withUser(db, userId, (tx) => wantsFeedbackAfterInterview(tx, userId)),
      },
    };
    const start: StartMessage =
      livekit && tokens
        ? { ...common, mode: 'voice', livekit: { url: livekit.url, token: tokens.agent.token, room: tokens.room, candidateIdentity: tokens.candidate.identity } }
        : { ...common, mode: 'text' };

    events.publish(interviewId, 'status', { status: 'starting' });
    let ended = false;
    try {
      const child = await pool.start({
        start,
        onMessage: (message) => this.record(userId, interviewId, message),
        onEnd: (end) => {
          ended = true;
          return this.finish(userId, interviewId, end);
        },
        onIdleSoon: (endsAt) => events.publish(interviewId, 'idle_warning', { endsAt }),
      });
      logger.info({ interviewId, mode: input.mode, pid: child.pid, readyMs: child.readyMs }, 'interview started');
    } catch (err) {
      // A start that never reached ready leaves no interview behind (no ghost card in the history,
      // the chart or the counts): the answer to this request says what went wrong. A forked
      // child's end has already deleted the row; one never forked (slots filled up meanwhile, or
      // the server is stopping) is deleted here.
      if (!ended) {
        await store.deleteInterview(db, userId, interviewId);
        events.forget(interviewId);
      }
      throw err;
    }
    if (!ended) events.publish(interviewId, 'status', { status: 'live' });
    return {
      id: interviewId,
      mode: input.mode,
      status: 'live',
      ...(livekit && tokens ? { livekit: { url: livekit.url, token: tokens.candidate.token, room: tokens.room } } : {}),
    };
  }

  /**
   * A deploy's shutdown delay: no new interview starts here, and each candidate under way is told
   * when the interview will end at the latest (sooner if it ends by itself). Resolves with how many
   * are still live when the delay is over.
   */
  drain(limitMs: number): Promise<number> {
    const { pool, events } = this.deps;
    const drained = pool.drain(limitMs);
    const endsAt = Date.now() + limitMs;
    for (const id of pool.interviewIds()) events.publish(id, 'server_stopping', { endsAt });
    return drained;
  }

  /**
   * Ends a live interview as the candidate. Resolves once the end is recorded (the child has
   * exited and its last lines are written), with the row as it is then.
   */
  async end(userId: string, row: store.InterviewRow): Promise<store.InterviewRow> {
    const { db, pool } = this.deps;
    const child = pool.get(row.id);
    if (child) await child.stop('candidate');
    // Live with no child: left so by a process that stopped without ending it.
    else if (row.status === 'live') await this.finish(userId, row.id, { reason: 'candidate', ready: true });
    return (await withUser(db, userId, (tx) => store.getInterview(tx, row.id))) ?? row;
  }

  /**
   * A new pass into a live voice interview's room for its owner: the first one lasts minutes, and
   * a candidate who lost the call (or opens it in another tab) must be able to get back in.
   */
  async roomPass(userId: string, row: store.InterviewRow): Promise<RoomPass> {
    if (row.mode !== 'voice' || !row.room_name) throw conflict('This is a text interview: it has no call to join.');
    if (row.status !== 'live' || !this.deps.pool.get(row.id)) throw conflict('This interview has ended.');
    const livekit = await roomKeys(this.keysDeps(), userId);
    const token = await mintCandidateToken(livekit.apiKey, livekit.apiSecret, row.room_name, row.candidate_name);
    return { url: livekit.url, token, room: row.room_name };
  }

  private keysDeps(): ChildKeysDeps {
    const { db, vault, config, resolveHost } = this.deps;
    return { db, vault, production: config.isProduction, resolveHost };
  }

  /** Persists one message from the child, then publishes it (so a reload never misses a line). */
  private async record(userId: string, interviewId: string, message: LiveMessage): Promise<void> {
    const { db, events, logger } = this.deps;
    try {
      switch (message.type) {
        case 'item': {
          // What was said is kept even when a model or STT wrote a NUL or half a surrogate pair.
          const item = storableJson(message.item);
          await store.appendItem(db, userId, interviewId, item);
          events.publish(interviewId, 'item', item);
          break;
        }
        case 'stage':
          await store.recordStage(db, userId, interviewId, message);
          events.publish(interviewId, 'stage', { stage: message.stage, previous: message.previous, skipped: message.skipped, by: message.by, at: message.at });
          break;
        case 'metrics':
          await store.appendMetrics(db, userId, interviewId, message.metrics);
          events.publish(interviewId, 'metrics', presentTurn(message.metrics));
          break;
        case 'error':
          await store.recordError(db, userId, interviewId, message.message);
          events.publish(interviewId, 'error', { message: message.message, provider: message.provider ?? null });
          break;
        case 'paused': {
          const pause = { provider: message.provider, message: message.message, endsAt: message.endsAt };
          this.pauses.set(interviewId, pause);
          events.publish(interviewId, 'paused', pause);
          break;
        }
        case 'resumed':
          this.pauses.delete(interviewId);
          events.publish(interviewId, 'resumed', {});
          break;
        case 'ended':
          break; // the pool's end notification follows and carries the reason
      }
    } catch (err) {
      logger.error({ err, interviewId, type: message.type }, 'could not record an interview message');
    }
  }

  private async finish(userId: string, interviewId: string, end: Pick<InterviewEnd, 'reason' | 'error' | 'ready'>): Promise<void> {
    const { db, events, logger } = this.deps;
    const { reason } = end;
    this.pauses.delete(interviewId);
    try {
      if (!end.ready) {
        // The start's own answer carries the reason; see start().
        await store.deleteInterview(db, userId, interviewId);
        return;
      }
      const row = await store.endInterview(db, userId, interviewId, reason);
      if (row) {
        logger.info({ interviewId, reason, durationMs: Date.now() - new Date(row.started_at).getTime() }, 'interview ended');
        events.publish(interviewId, 'status', { status: row.status, endedBy: row.ended_by });
        const feedbackComing = WRITES_FEEDBACK_AFTER.has(reason) && this.deps.feedbackWriter !== undefined && (await withUser(db, userId, (tx) => wantsFeedbackAfterInterview(tx, userId)));
        events.publish(interviewId, 'ended', { reason, error: end.error ?? row.error_message ?? null, interview: presentInterview(row), feedbackComing });
        if (feedbackComing) void this.deps.feedbackWriter!.afterEnd(userId, interviewId);
      }
    } catch (err) {
      logger.error({ err, interviewId }, 'could not record the end of an interview');
    } finally {
      events.expire(interviewId);
    }
  }
}
