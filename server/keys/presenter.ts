import { UnreadableSecret, type Vault } from '../crypto/vault.ts';
import {
  DEFAULT_LLM_BASE_URL,
  LLM_DEFAULT_MODELS,
  LLM_PRESETS,
  OPENAI_VOICE_FIX,
  OPENAI_VOICE_PROBLEM,
  defaultModelFor,
  openAiVoiceCannotSpeak,
  presetOf,
} from '../../shared/providers.ts';
import type { KeyTests } from './key-tests.ts';
import { SECRET_FIELDS, type SecretField } from './schema.ts';
import type { KeysRow } from './store.ts';

export interface PresentedKey {
  set: boolean;
  /** The last four characters, e.g. "…abcd"; null when unset or unreadable. */
  masked: string | null;
  updatedAt: string | null;
  /** The key is stored but no configured ENCRYPTION_KEY opens it. */
  unreadable?: true;
}

export type PresentedKeys = Record<SecretField, PresentedKey> & {
  livekit_host: string | null;
  llm_base_url: string;
  llm_provider: keyof typeof LLM_PRESETS | 'custom';
  llm_model: string;
  tts_provider: 'openai' | 'deepgram';
  /** Self-hosted Deepgram; null means Deepgram's own API. */
  deepgram_base_url: string | null;
  /** The OpenAI voice's OpenAI-compatible speech server; null means OpenAI's. */
  tts_base_url: string | null;
  /** Null means the default (gpt-4o-mini-tts on OpenAI's endpoint, tts-1 on another; alloy). */
  tts_model: string | null;
  tts_voice: string | null;
  needsReentry: boolean;
  message?: string;
  /** Why the chosen voice cannot speak with these keys, with what to do; null when it can. */
  voiceWarning: string | null;
  /** The last "Test keys" result per provider for the saved keys. */
  lastTests: KeyTests;
  presets: { id: keyof typeof LLM_PRESETS; baseUrl: string; defaultModel: string }[];
};

export function mask(value: string): string {
  return value.length <= 4 ? '…' : `…${value.slice(-4)}`;
}

/** The one place that decides what the browser learns about saved keys: never a secret. */
export function presentKeys(row: KeysRow | undefined, vault: Vault): PresentedKeys {
  const result = {} as PresentedKeys;
  let unreadable = false;
  let livekitHost: string | null = null;
  for (const field of SECRET_FIELDS) {
    const token = row?.[field];
    const updatedAt = row?.key_updated_at?.[field] ?? null;
    if (!token) {
      result[field] = { set: false, masked: null, updatedAt: null };
      continue;
    }
    try {
      const value = vault.open(token);
      result[field] = { set: true, masked: mask(value), updatedAt };
      if (field === 'livekit_url' && URL.canParse(value)) livekitHost = new URL(value).host;
    } catch (err) {
      if (!(err instanceof UnreadableSecret)) throw err;
      unreadable = true;
      result[field] = { set: true, masked: null, updatedAt, unreadable: true };
    }
  }
  const baseUrl = row?.llm_base_url ?? DEFAULT_LLM_BASE_URL;
  Object.assign(result, {
    livekit_host: livekitHost,
    llm_base_url: baseUrl,
    llm_provider: presetOf(baseUrl) ?? 'custom',
    llm_model: row?.llm_model ?? defaultModelFor(baseUrl),
    tts_provider: row?.tts_provider ?? 'openai',
    deepgram_base_url: row?.deepgram_base_url ?? null,
    tts_base_url: row?.tts_base_url ?? null,
    tts_model: row?.tts_model ?? null,
    tts_voice: row?.tts_voice ?? null,
    needsReentry: unreadable,
    // Said only to users who set up voice: text-only users are not asked about a voice they do not use.
    voiceWarning: (row?.livekit_url || row?.deepgram_key) && openAiVoiceCannotSpeak(row) ? `${OPENAI_VOICE_PROBLEM}: ${OPENAI_VOICE_FIX}.` : null,
    lastTests: row?.key_tests ?? {},
    ...(unreadable ? { message: 'Some saved keys need re-entering: they were saved under an encryption key this server no longer has.' } : {}),
    presets: (Object.keys(LLM_PRESETS) as (keyof typeof LLM_PRESETS)[]).map((id) => ({
      id,
      baseUrl: LLM_PRESETS[id],
      defaultModel: LLM_DEFAULT_MODELS[id],
    })),
  });
  return result;
}

/** The saved keys no configured encryption key opens, as presented. */
export function unreadableKeys(presented: PresentedKeys): Set<SecretField> {
  return new Set(SECRET_FIELDS.filter((field) => presented[field].unreadable));
}
