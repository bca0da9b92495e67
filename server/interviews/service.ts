import type { EndReason, ProviderKeys, StartMessage } from '../../agent/protocol.ts';
import type { Config } from '../config.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Database } from '../db/database.ts';
import { preconditionFailed } from '../http/errors.ts';
import { DEFAULT_LLM_BASE_URL, defaultModelFor, presetOf } from '../keys/providers.ts';
import { readUserKeys, UnreadableSecret, type OpenedKeys } from '../keys/store.ts';
import type { Logger } from '../logger.ts';
import { AgentStartError, PoolFullError, type LiveMessage, type WorkerPool } from '../workers/pool.ts';
import type { InterviewEvents } from './events.ts';
import { mintRoomTokens } from './livekit-tokens.ts';
import { presentInterview } from './presenter.ts';
import type { StartInterviewInput } from './schema.ts';
import * as store from './store.ts';

export interface InterviewServiceDeps {
  db: Database;
  pool: WorkerPool;
  events: InterviewEvents;
  vault: Vault;
  config: Config;
  logger: Logger;
}

export interface Started {
  id: string;
  mode: 'voice' | 'text';
  status: 'live';
  livekit?: { url: string; token: string; room: string };
}

/**
 * The interview lifecycle on the server: start a child with the owner's keys, write every
 * line it reports to the owner's row at once (RLS), publish it live, and end it in every case.
 */
export class InterviewService {
  constructor(private readonly deps: InterviewServiceDeps) {}

  async start(userId: string, input: StartInterviewInput): Promise<Started> {
    const { db, pool, events, vault, config, logger } = this.deps;
    if (pool.active() >= pool.max) throw new PoolFullError(60, pool.max);

    let keys: OpenedKeys;
    try {
      keys = await readUserKeys(db, userId, vault);
    } catch (err) {
      if (err instanceof UnreadableSecret) {
        throw preconditionFailed('Your saved keys need re-entering (Settings → Keys) before you can start an interview.', { missing: [] });
      }
      throw err;
    }
    const providerKeys = requireKeys(keys, input.mode);

    const maxSeconds = config.interview.maxMinutes * 60;
    const tokens =
      input.mode === 'voice'
        ? await mintRoomTokens(keys.livekit_api_key!, keys.livekit_api_secret!, input.candidate_name, maxSeconds + 600)
        : undefined;
    const row = await store.createInterview(db, userId, {
      candidateName: input.candidate_name,
      jobRole: input.job_role,
      experienceLevel: input.experience_level,
      mode: input.mode,
      roomName: tokens?.room ?? null,
      hasResume: Boolean(input.resume_text),
      hasJd: Boolean(input.job_description),
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
        maxDurationSeconds: maxSeconds,
      },
    };
    const start: StartMessage =
      input.mode === 'voice'
        ? { ...common, mode: 'voice', livekit: { url: keys.livekit_url!, token: tokens!.agent.token, room: tokens!.room } }
        : { ...common, mode: 'text' };

    events.publish(interviewId, 'status', { status: 'starting' });
    try {
      const child = await pool.start({
        start,
        onMessage: (message) => this.record(userId, interviewId, message),
        onEnd: (end) => this.finish(userId, interviewId, end.reason, end.error),
      });
      logger.info({ interviewId, mode: input.mode, pid: child.pid, readyMs: child.readyMs }, 'interview started');
    } catch (err) {
      if (err instanceof AgentStartError) {
        // Kept, so the candidate can see what went wrong in their history.
        await store.recordError(db, userId, interviewId, err.reason);
        await this.finish(userId, interviewId, 'error', err.reason);
      } else {
        // Never started (the slots filled up meanwhile, or the server is stopping): no trace.
        await store.deleteInterview(db, userId, interviewId);
        events.forget(interviewId);
      }
      throw err;
    }
    events.publish(interviewId, 'status', { status: 'live' });
    return {
      id: interviewId,
      mode: input.mode,
      status: 'live',
      ...(tokens ? { livekit: { url: keys.livekit_url!, token: tokens.candidate.token, room: tokens.room } } : {}),
    };
  }

  /** Persists one message from the child, then publishes it (so a reload never misses a line). */
  private async record(userId: string, interviewId: string, message: LiveMessage): Promise<void> {
    const { db, events, logger } = this.deps;
    try {
      switch (message.type) {
        case 'item':
          await store.appendItem(db, userId, interviewId, message.item);
          events.publish(interviewId, 'item', message.item);
          break;
        case 'stage':
          await store.recordStage(db, userId, interviewId, message);
          events.publish(interviewId, 'stage', { stage: message.stage, previous: message.previous, skipped: message.skipped, by: message.by, at: message.at });
          break;
        case 'metrics':
          await store.appendMetrics(db, userId, interviewId, message.metrics);
          break;
        case 'error':
          await store.recordError(db, userId, interviewId, message.message);
          events.publish(interviewId, 'error', { message: message.message, provider: message.provider ?? null });
          break;
        case 'ended':
          break; // the pool's end notification follows and carries the reason
      }
    } catch (err) {
      logger.error({ err, interviewId, type: message.type }, 'could not record an interview message');
    }
  }

  private async finish(userId: string, interviewId: string, reason: EndReason, error?: string): Promise<void> {
    const { db, events, logger } = this.deps;
    try {
      const row = await store.endInterview(db, userId, interviewId, reason);
      if (row) {
        logger.info({ interviewId, reason, durationMs: Date.now() - new Date(row.started_at).getTime() }, 'interview ended');
        events.publish(interviewId, 'ended', { reason, error: error ?? row.error_message ?? null, interview: presentInterview(row) });
      }
    } catch (err) {
      logger.error({ err, interviewId }, 'could not record the end of an interview');
    } finally {
      events.expire(interviewId);
    }
  }
}

const LLM_KEY = 'a language-model key';

/** The keys the agent needs for this mode, or 412 naming what is missing. */
function requireKeys(keys: OpenedKeys, mode: 'voice' | 'text'): ProviderKeys {
  const missing: string[] = [];
  if (!keys.openai_key) missing.push(LLM_KEY);
  const baseUrl = keys.llm_base_url ?? DEFAULT_LLM_BASE_URL;
  const llmIsOpenAI = presetOf(baseUrl) === 'openai';
  if (mode === 'voice') {
    if (!keys.livekit_url) missing.push('the LiveKit URL');
    if (!keys.livekit_api_key) missing.push('the LiveKit API key');
    if (!keys.livekit_api_secret) missing.push('the LiveKit API secret');
    if (!keys.deepgram_key) missing.push('a Deepgram key');
  }
  if (missing.length > 0) {
    throw preconditionFailed(`Add ${joinWords(missing)} in Settings → Keys to start a ${mode} interview.`, { missing });
  }
  if (mode === 'voice' && keys.tts_provider === 'openai' && !llmIsOpenAI) {
    throw preconditionFailed(
      "The OpenAI voice needs OpenAI as the language-model provider. Choose the Deepgram voice in Settings → Keys, or switch the provider to OpenAI.",
      { missing: ['an OpenAI key for the voice'] },
    );
  }
  return {
    llmApiKey: keys.openai_key!,
    llmBaseUrl: keys.llm_base_url && !llmIsOpenAI ? keys.llm_base_url : undefined,
    llmModel: keys.llm_model ?? defaultModelFor(baseUrl),
    deepgramKey: keys.deepgram_key,
    ttsProvider: keys.tts_provider,
  };
}

function joinWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
