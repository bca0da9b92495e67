// OpenAI-compatible LLM providers a user can pick from; any other base URL works too.

export const LLM_PRESETS = {
  openai: 'https://api.openai.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  together: 'https://api.together.xyz/v1',
  openrouter: 'https://openrouter.ai/api/v1',
} as const;

export type LlmPreset = keyof typeof LLM_PRESETS;

/** A model each provider serves that handles tool calls and JSON output well and cheaply. */
export const LLM_DEFAULT_MODELS: Record<LlmPreset, string> = {
  openai: 'gpt-4o-mini',
  groq: 'llama-3.3-70b-versatile',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  openrouter: 'openai/gpt-4o-mini',
};

/** Each preset as the candidate reads it. */
export const LLM_NAMES: Record<LlmPreset, string> = {
  openai: 'OpenAI',
  groq: 'Groq',
  together: 'Together AI',
  openrouter: 'OpenRouter',
};

export const DEFAULT_LLM_BASE_URL = LLM_PRESETS.openai;

/** Exactly one of our presets' base URLs: a constant of ours, not an address the user chose. */
export function isPresetUrl(value: string): boolean {
  const normalized = value.replace(/\/+$/, '');
  return Object.values(LLM_PRESETS).some((preset) => preset === normalized);
}

/** The preset whose host `baseUrl` is on, if any (path and port aside). */
export function presetOf(baseUrl: string): LlmPreset | undefined {
  let hostname: string;
  try {
    hostname = new URL(baseUrl).hostname;
  } catch {
    return undefined;
  }
  return (Object.keys(LLM_PRESETS) as LlmPreset[]).find((p) => new URL(LLM_PRESETS[p]).hostname === hostname);
}

/** How to name the provider to the user: "Groq" for Groq's URL, else the host ("localhost:11434"). */
export function providerName(baseUrl: string): string {
  const preset = presetOf(baseUrl);
  if (preset) return LLM_NAMES[preset];
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'the LLM provider';
  }
}

/** The default model for a base URL's preset; OpenAI's default for unknown providers. */
export function defaultModelFor(baseUrl: string): string {
  return LLM_DEFAULT_MODELS[presetOf(baseUrl) ?? 'openai'];
}

// Speech. A self-hosted Deepgram or OpenAI-compatible speech server replaces these per user.

export const DEFAULT_DEEPGRAM_BASE_URL = 'https://api.deepgram.com';
export const DEFAULT_TTS_BASE_URL = LLM_PRESETS.openai;
/** OpenAI's own speech: its newer model, which streams audio as it is made. */
export const OPENAI_TTS_MODEL = 'gpt-4o-mini-tts';
/** The model name OpenAI-compatible speech servers commonly answer to. */
export const COMPATIBLE_TTS_MODEL = 'tts-1';

/** The speech model used when none is set: OpenAI's newer one on OpenAI's own endpoint, tts-1 on any other. */
export function defaultTtsModelFor(ttsBaseUrl: string | null | undefined): string {
  return !ttsBaseUrl || presetOf(ttsBaseUrl) === 'openai' ? OPENAI_TTS_MODEL : COMPATIBLE_TTS_MODEL;
}
export const DEFAULT_TTS_VOICE = 'alloy';

interface VoiceKeySettings<T> {
  openai_key?: T | null;
  tts_key?: T | null;
  llm_base_url?: string | null;
  tts_base_url?: string | null;
}

/** Why the OpenAI voice cannot run when openAiVoiceKey finds no key; each caller adds where to do OPENAI_VOICE_FIX. */
export const OPENAI_VOICE_PROBLEM = "The OpenAI voice needs an OpenAI key, and the language-model key is another provider's";
export const OPENAI_VOICE_FIX = 'add a speech key (an OpenAI key) or the base URL of your own speech server, or choose the Deepgram voice';

/**
 * The key the OpenAI voice is sent with: the speech key, else the language-model key where that
 * key can speak (it is OpenAI's own, or it goes to the user's own speech server, not OpenAI's).
 * Undefined when neither: OpenAI's speech would refuse another provider's key.
 */
export function openAiVoiceKey<T>(settings: VoiceKeySettings<T>): T | undefined {
  if (settings.tts_key) return settings.tts_key;
  const llmIsOpenAI = presetOf(settings.llm_base_url || DEFAULT_LLM_BASE_URL) === 'openai';
  const ownSpeechServer = Boolean(settings.tts_base_url) && presetOf(settings.tts_base_url!) !== 'openai';
  return llmIsOpenAI || ownSpeechServer ? (settings.openai_key ?? undefined) : undefined;
}

/**
 * The saved keys choose the OpenAI voice and have a language-model key, but nothing the voice can
 * speak with: said when saving and wherever readiness is shown, never left to fail at the start.
 */
export function openAiVoiceCannotSpeak<T>(settings: VoiceKeySettings<T> & { tts_provider?: string | null } | undefined): boolean {
  return Boolean(settings?.openai_key) && settings?.tts_provider !== 'deepgram' && !openAiVoiceKey(settings!);
}
