import type { ProviderKeys } from '../../agent/protocol.ts';
import { missingKeys, type KeysPresent, type Mode, type NeededKey } from '../../shared/modes.ts';
import {
  DEFAULT_LLM_BASE_URL,
  defaultModelFor,
  defaultTtsModelFor,
  DEFAULT_TTS_VOICE,
  isPresetUrl,
  OPENAI_VOICE_FIX,
  OPENAI_VOICE_PROBLEM,
  openAiVoiceKey,
  presetOf,
} from '../../shared/providers.ts';
import type { Vault } from '../crypto/vault.ts';
import { withUser, type Database } from '../db/database.ts';
import { preconditionFailed, unsafeUrl } from '../http/errors.ts';
import { capitalise, joinWords } from '../words.ts';
import type { SecretField } from './schema.ts';
import { loadKeysRow, openEachKey, type OpenedKeys } from './store.ts';
import { UnsafeUrlError, type Resolver } from '../../shared/net-guard.ts';
import { checkUserUrl, type UrlKind } from './url-guard.ts';

// What the keys capability gives an interview: the key set its child runs on, for this user and
// mode, or a refusal that says what to do in Settings → Keys. Each key is decrypted once.

export interface ChildKeysDeps {
  db: Database;
  vault: Vault;
  production: boolean;
  /** Host lookups when the saved URLs are checked again (the system resolver by default). */
  resolveHost?: Resolver;
}

export interface LiveKitKeys {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export interface ChildKeys {
  keys: ProviderKeys;
  /** Voice: the LiveKit server and the credentials the room's tokens are minted with. */
  livekit?: LiveKitKeys;
}

/** A host lookup that hangs must not hold a start until the browser gives up. */
const SAVED_URL_LOOKUP_TIMEOUT_MS = 5000;

const KEY_NAMES: Record<NeededKey, string> = {
  llm_key: 'a language-model key',
  livekit_url: 'the LiveKit URL',
  livekit_api_key: 'the LiveKit API key',
  livekit_api_secret: 'the LiveKit API secret',
  deepgram_key: 'a Deepgram key',
  speech_key: 'a speech key',
};

const FIELD_NAMES: Record<SecretField, string> = {
  openai_key: KEY_NAMES.llm_key,
  livekit_url: KEY_NAMES.livekit_url,
  livekit_api_key: KEY_NAMES.livekit_api_key,
  livekit_api_secret: KEY_NAMES.livekit_api_secret,
  deepgram_key: KEY_NAMES.deepgram_key,
  tts_key: KEY_NAMES.speech_key,
};

/** Which keys are there: saved, and (when `unreadable` names them) not among those no key opens. */
export function keysPresent(
  saved: Partial<Record<SecretField, unknown>> & { tts_provider?: string | null; llm_base_url?: string | null; tts_base_url?: string | null },
  unreadable: ReadonlySet<SecretField> = new Set(),
): KeysPresent {
  const has = (field: SecretField) => Boolean(saved[field]) && !unreadable.has(field);
  return {
    llm_key: has('openai_key'),
    livekit_url: has('livekit_url'),
    livekit_api_key: has('livekit_api_key'),
    livekit_api_secret: has('livekit_api_secret'),
    deepgram_key: has('deepgram_key'),
    voice: saved.tts_provider === 'deepgram' ? 'deepgram' : 'openai',
    speech_key: Boolean(openAiVoiceKey({ ...saved, openai_key: has('openai_key') || null, tts_key: has('tts_key') || null })),
  };
}

/** The child's key set for this user and mode; 412 naming what is missing or unreadable, 422 for a saved URL now refused. */
export async function childKeys(deps: ChildKeysDeps, userId: string, mode: Mode): Promise<ChildKeys> {
  const keys = await readKeys(deps, userId, mode);
  const missing = missingKeys(mode, keysPresent(keys));
  if (missing.includes('speech_key')) {
    throw preconditionFailed(`${OPENAI_VOICE_PROBLEM}. In Settings → Keys, ${OPENAI_VOICE_FIX}.`, { missing: [KEY_NAMES.speech_key] });
  }
  if (missing.length > 0) {
    const names = missing.map((key) => KEY_NAMES[key]);
    throw preconditionFailed(`Add ${joinWords(names)} in Settings → Keys to start a ${mode} interview.`, { missing: names });
  }
  const providerKeys = providerKeysFor(keys, mode);
  const livekit = mode === 'voice' ? { url: keys.livekit_url!, apiKey: keys.livekit_api_key!, apiSecret: keys.livekit_api_secret! } : undefined;
  await checkSavedUrls(deps, [
    [providerKeys.llmBaseUrl, 'llm', 'llm_base_url', 'language-model base URL'],
    [livekit?.url, 'livekit', 'livekit_url', 'LiveKit URL'],
    [providerKeys.deepgramBaseUrl, 'deepgram', 'deepgram_base_url', 'Deepgram base URL'],
    [providerKeys.ttsBaseUrl, 'speech', 'tts_base_url', 'speech base URL'],
  ]);
  return { keys: providerKeys, ...(livekit ? { livekit } : {}) };
}

/** The LiveKit keys a new pass into a live voice interview's room is minted with; 412 when they are gone. */
export async function roomKeys(deps: ChildKeysDeps, userId: string): Promise<LiveKitKeys> {
  const keys = await readKeys(deps, userId, 'voice');
  const fields = ['livekit_url', 'livekit_api_key', 'livekit_api_secret'] as const;
  const missing = fields.filter((field) => !keys[field]);
  if (missing.length > 0) {
    throw preconditionFailed('Add your LiveKit URL, API key and API secret in Settings → Keys to rejoin the call.', { missing });
  }
  return { url: keys.livekit_url!, apiKey: keys.livekit_api_key!, apiSecret: keys.livekit_api_secret! };
}

/** The language model a user's keys name: OpenAI's own unless a base URL says otherwise, with the provider's default model. */
export function languageModelOf(keys: Pick<OpenedKeys, 'llm_base_url' | 'llm_model'>): { baseUrl?: string; model: string } {
  const baseUrl = keys.llm_base_url ?? DEFAULT_LLM_BASE_URL;
  return { baseUrl: presetOf(baseUrl) === 'openai' ? undefined : baseUrl, model: keys.llm_model ?? defaultModelFor(baseUrl) };
}

/** The owner's keys, each opened once; 412 naming the keys this mode needs that no configured key can open. */
async function readKeys({ db, vault }: ChildKeysDeps, userId: string, mode: Mode): Promise<OpenedKeys> {
  const row = await withUser(db, userId, (tx) => loadKeysRow(tx, userId));
  const { opened, unreadable } = openEachKey(row, vault);
  const needed = [...unreadable].filter(
    (field) => field === 'openai_key' || (mode === 'voice' && (field !== 'tts_key' || opened.tts_provider === 'openai')),
  );
  if (needed.length > 0) {
    const names = needed.map((field) => FIELD_NAMES[field]);
    throw preconditionFailed(
      `${capitalise(joinWords(names))} saved in Settings → Keys can no longer be read (the server's encryption key has changed). Enter ${needed.length === 1 ? 'it' : 'them'} again to start a ${mode} interview.`,
      { missing: names },
    );
  }
  return opened;
}

function providerKeysFor(keys: OpenedKeys, mode: Mode): ProviderKeys {
  const model = languageModelOf(keys);
  const openAiVoice = mode === 'voice' && keys.tts_provider === 'openai';
  return {
    llmApiKey: keys.openai_key!,
    llmBaseUrl: model.baseUrl,
    llmModel: model.model,
    deepgramKey: keys.deepgram_key,
    ...(mode === 'voice' && keys.deepgram_base_url ? { deepgramBaseUrl: keys.deepgram_base_url } : {}),
    ttsProvider: keys.tts_provider,
    ...(openAiVoice
      ? {
          openaiTtsKey: openAiVoiceKey(keys),
          ...(keys.tts_base_url ? { ttsBaseUrl: keys.tts_base_url } : {}),
          ttsModel: keys.tts_model ?? defaultTtsModelFor(keys.tts_base_url),
          ttsVoice: keys.tts_voice ?? DEFAULT_TTS_VOICE,
        }
      : {}),
  };
}

/**
 * The saved URLs the child will connect to, checked again as they were when saved: a host may
 * resolve elsewhere now, and a loopback URL saved in development must not be used in production.
 */
async function checkSavedUrls(deps: ChildKeysDeps, checks: [url: string | undefined, kind: UrlKind, setting: string, label: string][]): Promise<void> {
  for (const [url, kind, setting, label] of checks) {
    if (!url || isPresetUrl(url)) continue;
    try {
      await checkUserUrl(url, { kind, production: deps.production, resolve: deps.resolveHost, lookupTimeoutMs: SAVED_URL_LOOKUP_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof UnsafeUrlError)) throw err;
      throw unsafeUrl(`Change the ${label} in Settings → Keys: ${err.message}.`, setting);
    }
  }
}
