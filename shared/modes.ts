// Which interview modes can start: the one rule the start, the dashboard, the start form and
// the agent's checks all follow. Stated over which keys are there, never over their values.

export const MODES = ['voice', 'text'] as const;
export type Mode = (typeof MODES)[number];

export const MODE_LABELS: Readonly<Record<Mode, string>> = { voice: 'Voice', text: 'Text' };

/** A key a mode runs on. `speech_key`: a key the OpenAI voice can speak with (see openAiVoiceKey). */
export type NeededKey = 'llm_key' | 'livekit_url' | 'livekit_api_key' | 'livekit_api_secret' | 'deepgram_key' | 'speech_key';

/** Which of the keys a mode needs are saved and readable. */
export type KeysPresent = Record<Exclude<NeededKey, 'speech_key'>, boolean> & {
  voice: 'openai' | 'deepgram';
  /** The OpenAI voice has a key to speak with: its own speech key, or a language-model key that can speak. */
  speech_key: boolean;
};

const VOICE_KEYS = ['livekit_url', 'livekit_api_key', 'livekit_api_secret', 'deepgram_key'] as const;

/** What this mode needs that is not there, in the order the candidate adds it; empty when it can start. */
export function missingKeys(mode: Mode, present: KeysPresent): NeededKey[] {
  const missing: NeededKey[] = present.llm_key ? [] : ['llm_key'];
  if (mode === 'text') return missing;
  missing.push(...VOICE_KEYS.filter((key) => !present[key]));
  // Said only once the rest is there: the speech key is judged against the language-model key.
  if (missing.length === 0 && present.voice === 'openai' && !present.speech_key) missing.push('speech_key');
  return missing;
}
