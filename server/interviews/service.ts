import type { EndReason, ProviderKeys, StartMessage } from '../../agent/protocol.ts';
import type { Config } from '../config.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { wantsFeedbackAfterInterview } from '../feedback/preference.ts';
import type { FeedbackWriter } from '../feedback/writer.ts';
import { conflict, preconditionFailed, unsafeUrl } from '../http/errors.ts';
import {
  DEFAULT_LLM_BASE_URL,
  defaultTtsModelFor,
  DEFAULT_TTS_VOICE,
  defaultModelFor,
  isPresetUrl,
  OPENAI_VOICE_FIX,
  OPENAI_VOICE_PROBLEM,
  openAiVoiceKey,
  presetOf,
} from '../keys/providers.ts';
import { SECRET_FIELDS, type SecretField } from '../keys/schema.ts';
import { loadKeysRow, openKeys, UnreadableSecret, type KeysRow, type OpenedKeys } from '../keys/store.ts';
import { checkUserUrl, UnsafeUrlError, type Resolver, type UrlKind } from '../keys/url-guard.ts';
import type { Logger } from '../logger.ts';
import { capitalise, joinWords } from '../words.ts';
import { poolFull, type InterviewEnd, type LiveMessage, type WorkerPool } from '../workers/pool.ts';
import type { InterviewEvents } from './events.ts';
import { mintCandidateToken, mintRoomTokens } from './livekit-tokens.ts';
import { presentInterview } from './presenter.ts';
import { presentTurn } from './response-times.ts';
import type { StartInterviewInput } from './schema.ts';
import * as store from './store.ts';
import { storableJson } from '../db/storable-text.ts';

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

type Mode = StartInterviewInput['mode'];

export interface ProviderPause {
  provider: 'llm' | 'tts';
  message: string;
  /** Epoch ms: the interview ends then if the provider is still failing. */
  endsAt: number;
}

/** A host lookup that hangs must not hold a start until the browser gives up. */
const SAVED_URL_LOOKUP_TIMEOUT_MS = 5000;

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

    const keys = await this.readKeys(userId, input.mode);
    const providerKeys = requireKeys(keys, input.mode);
    await this.checkSavedUrls(input.mode, keys, providerKeys);

    const tokens = input.mode === 'voice' ? await mintRoomTokens(keys.livekit_api_key!, keys.livekit_api_secret!, input.candidate_name) : undefined;
    const row = await store.createInterview(db, userId, {
      candidateName: input.candidate_name,
      jobRole: input.job_role,
      experienceLevel: input.experience_level,
      mode: input.mode,
      roomName: tokens?.room ?? null,
      hasResume: Boolean(input.resume_text),
      hasJd: Boolean(input.job_description),
      patience: input.patience,
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
      input.mode === 'voice'
        ? { ...common, mode: 'voice', livekit: { url: keys.livekit_url!, token: tokens!.agent.token, room: tokens!.room, candidateIdentity: tokens!.candidate.identity } }
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
      ...(tokens ? { livekit: { url: keys.livekit_url!, token: tokens.candidate.token, room: tokens.room } } : {}),
    };
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
    const keys = await this.readKeys(userId, 'voice');
    if (!keys.livekit_url || !keys.livekit_api_key || !keys.livekit_api_secret) {
      throw preconditionFailed('Add your LiveKit URL, API key and API secret in Settings → Keys to rejoin the call.', {
        missing: ['livekit_url', 'livekit_api_key', 'livekit_api_secret'].filter((field) => !keys[field as SecretField]),
      });
    }
    const token = await mintCandidateToken(keys.livekit_api_key, keys.livekit_api_secret, row.room_name, row.candidate_name);
    return { url: keys.livekit_url, token, room: row.room_name };
  }

  /** The owner's keys, opened; 412 naming the keys this mode needs that no configured key can open. */
  private async readKeys(userId: string, mode: Mode): Promise<OpenedKeys> {
    const { db, vault } = this.deps;
    const row = await withUser(db, userId, (tx) => loadKeysRow(tx, userId));
    const unreadable = row ? SECRET_FIELDS.filter((field) => row[field] && !opens(vault, row[field])) : [];
    const needed = unreadable.filter(
      (field) => field === 'openai_key' || (mode === 'voice' && (field !== 'tts_key' || row!.tts_provider === 'openai')),
    );
    if (needed.length > 0) {
      const names = needed.map((field) => KEY_NAMES[field]);
      throw preconditionFailed(
        `${capitalise(joinWords(names))} saved in Settings → Keys can no longer be read (the server's encryption key has changed). Enter ${needed.length === 1 ? 'it' : 'them'} again to start a ${mode} interview.`,
        { missing: names },
      );
    }
    const readable: KeysRow | undefined = row && { ...row, ...Object.fromEntries(unreadable.map((field) => [field, null])) };
    return openKeys(readable, vault);
  }

  /**
   * The saved URLs the child will connect to, checked again as they were when saved: a host may
   * resolve elsewhere now, and a loopback URL saved in development must not be used in production.
   */
  private async checkSavedUrls(mode: Mode, keys: OpenedKeys, providerKeys: ProviderKeys): Promise<void> {
    const voice = mode === 'voice';
    const checks: [url: string | undefined, kind: UrlKind, setting: string, label: string][] = [
      [providerKeys.llmBaseUrl, 'llm', 'llm_base_url', 'language-model base URL'],
      [voice ? keys.livekit_url : undefined, 'livekit', 'livekit_url', 'LiveKit URL'],
      [voice ? providerKeys.deepgramBaseUrl : undefined, 'deepgram', 'deepgram_base_url', 'Deepgram base URL'],
      [voice ? providerKeys.ttsBaseUrl : undefined, 'speech', 'tts_base_url', 'speech base URL'],
    ];
    for (const [url, kind, setting, label] of checks) {
      if (!url || isPresetUrl(url)) continue;
      try {
        await checkUserUrl(url, { kind, production: this.deps.config.isProduction, resolve: this.deps.resolveHost, lookupTimeoutMs: SAVED_URL_LOOKUP_TIMEOUT_MS });
      } catch (err) {
        if (!(err instanceof UnsafeUrlError)) throw err;
        throw unsafeUrl(`Change the ${label} in Settings → Keys: ${err.message}.`, setting);
      }
    }
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

const KEY_NAMES: Record<SecretField, string> = {
  openai_key: 'a language-model key',
  livekit_url: 'the LiveKit URL',
  livekit_api_key: 'the LiveKit API key',
  livekit_api_secret: 'the LiveKit API secret',
  deepgram_key: 'a Deepgram key',
  tts_key: 'a speech key',
};

function opens(vault: Vault, token: string): boolean {
  try {
    vault.open(token);
    return true;
  } catch (err) {
    if (err instanceof UnreadableSecret) return false;
    throw err;
  }
}

/** The keys the agent needs for this mode, or 412 naming what is missing. */
function requireKeys(keys: OpenedKeys, mode: Mode): ProviderKeys {
  const missing: string[] = [];
  if (!keys.openai_key) missing.push(KEY_NAMES.openai_key);
  const baseUrl = keys.llm_base_url ?? DEFAULT_LLM_BASE_URL;
  const llmIsOpenAI = presetOf(baseUrl) === 'openai';
  const openAiVoice = mode === 'voice' && keys.tts_provider === 'openai';
  const openaiTtsKey = openAiVoice ? openAiVoiceKey(keys) : undefined;
  if (mode === 'voice') {
    for (const field of ['livekit_url', 'livekit_api_key', 'livekit_api_secret', 'deepgram_key'] as const) {
      if (!keys[field]) missing.push(KEY_NAMES[field]);
    }
  }
  if (missing.length > 0) {
    throw preconditionFailed(`Add ${joinWords(missing)} in Settings → Keys to start a ${mode} interview.`, { missing });
  }
  if (openAiVoice && !openaiTtsKey) {
    throw preconditionFailed(
      `${OPENAI_VOICE_PROBLEM}. In Settings → Keys, ${OPENAI_VOICE_FIX}.`,
      { missing: ['a speech key'] },
    );
  }
  return {
    llmApiKey: keys.openai_key!,
    llmBaseUrl: keys.llm_base_url && !llmIsOpenAI ? keys.llm_base_url : undefined,
    llmModel: keys.llm_model ?? defaultModelFor(baseUrl),
    deepgramKey: keys.deepgram_key,
    ...(mode === 'voice' && keys.deepgram_base_url ? { deepgramBaseUrl: keys.deepgram_base_url } : {}),
    ttsProvider: keys.tts_provider,
    ...(openAiVoice
      ? {
          openaiTtsKey,
          ...(keys.tts_base_url ? { ttsBaseUrl: keys.tts_base_url } : {}),
          ttsModel: keys.tts_model ?? defaultTtsModelFor(keys.tts_base_url),
          ttsVoice: keys.tts_voice ?? DEFAULT_TTS_VOICE,
        }
      : {}),
  };
}
