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
import type { KeysView } from '../../shared/api.ts';
import { SECRET_FIELDS, type SecretField } from './schema.ts';
import type { KeysRow } from './store.ts';

export type { KeyStatus as PresentedKey, KeysView as PresentedKeys } from '../../shared/api.ts';

export function mask(value: string): string {
  return value.length <= 4 ? '…' : `…${value.slice(-4)}`;
}

/** The one place that decides what the browser learns about saved keys: never a secret. */
export function presentKeys(row: KeysRow | undefined, vault: Vault): KeysView {
  const result = {} as KeysView;
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
export function unreadableKeys(presented: KeysView): Set<SecretField> {
  return new Set(SECRET_FIELDS.filter((field) => presented[field].unreadable));
}
