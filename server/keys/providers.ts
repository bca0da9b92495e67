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

const LLM_NAMES: Record<LlmPreset, string> = {
  openai: 'OpenAI',
  groq: 'Groq',
  together: 'Together AI',
  openrouter: 'OpenRouter',
};

export const DEFAULT_LLM_BASE_URL = LLM_PRESETS.openai;

/** The preset whose host `baseUrl` is on, if any (path and port aside). */
/** Exactly one of our presets' base URLs: a constant of ours, not an address the user chose. */
export function isPresetUrl(value: string): boolean {
  const normalized = value.replace(/\/+$/, '');
  return Object.values(LLM_PRESETS).some((preset) => preset === normalized);
}

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
