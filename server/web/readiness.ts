import { keysPresent, type KeysRow, type KeyTest, type SecretField, type TestedProvider } from '../keys/index.ts';
import { missingKeys, type NeededKey } from '../../shared/modes.ts';
import { OPENAI_VOICE_FIX, OPENAI_VOICE_PROBLEM } from '../../shared/providers.ts';
import { dateText } from './history-view.ts';

// Which interview modes the saved keys can run, for the dashboard and the start form: keys that
// are missing make a mode unavailable; a provider that failed its last "Test keys" (with the keys
// still saved as tested) makes it doubtful, said with when and why.

const PROVIDER_NAMES: Record<TestedProvider, string> = {
  livekit: 'LiveKit',
  llm: 'The language model',
  deepgram: 'Deepgram',
  speech: 'The OpenAI voice',
};

/** A failed last test, said as the page shows it; the time goes in a <time> the page shows in local time. */
export interface FailedTest {
  text: string;
  at: string;
  atText: string;
}

export interface ModeReadiness {
  llmReady: boolean;
  /** Why voice cannot start (keys missing); null when it can. */
  voiceProblem: string | null;
  /** What voice lacks, each named ("LiveKit keys", "a speech key for the OpenAI voice"); empty when nothing. */
  voiceMissing: string[];
  /** The failed last tests of the providers text or voice use. */
  textFailedTest: FailedTest | null;
  voiceFailedTest: FailedTest | null;
  /** The keys are there and none of their providers failed its last test. */
  textReady: boolean;
  voiceReady: boolean;
}

function failed(tests: KeysRow['key_tests'] | undefined, providers: TestedProvider[]): FailedTest | null {
  for (const provider of providers) {
    const test: KeyTest | undefined = tests?.[provider];
    if (test && !test.ok) return { text: `${PROVIDER_NAMES[provider]} did not work in the last key test: ${test.message}`, at: test.at, atText: dateText(test.at) };
  }
  return null;
}

/**
 * What the saved keys can start. `unreadable`: keys no configured encryption key opens, which
 * count as missing for readiness; what is said about voice names the keys that are not saved.
 */
export function modeReadiness(row: KeysRow | undefined, unreadable: ReadonlySet<SecretField> = new Set()): ModeReadiness {
  const saved = row ? keysPresent(row) : undefined;
  const readable = row ? keysPresent(row, unreadable) : undefined;
  const missing = saved ? missingKeys('voice', saved) : (['llm_key', 'livekit_url', 'deepgram_key'] as NeededKey[]);
  const livekitMissing = missing.some((key) => key.startsWith('livekit_'));
  const deepgramMissing = missing.includes('deepgram_key');
  const voiceMissing = [
    ...(missing.includes('llm_key') ? ['a language-model key'] : []),
    ...(livekitMissing ? ['LiveKit keys'] : []),
    ...(deepgramMissing ? ['a Deepgram key'] : []),
    ...(missing.includes('speech_key') ? ['a speech key for the OpenAI voice'] : []),
  ];
  const missingServices = [...(livekitMissing ? ['LiveKit'] : []), ...(deepgramMissing ? ['Deepgram'] : [])];
  let voiceProblem: string | null = null;
  if (missingServices.length > 0) voiceProblem = `Voice needs ${missingServices.join(' and ')} keys — add them in Settings → Keys.`;
  else if (missing.includes('speech_key')) voiceProblem = `${OPENAI_VOICE_PROBLEM} — in Settings → Keys, ${OPENAI_VOICE_FIX}.`;
  const openAiVoice = row?.tts_provider !== 'deepgram';
  const textFailedTest = failed(row?.key_tests, ['llm']);
  const voiceFailedTest = failed(row?.key_tests, ['llm', 'livekit', 'deepgram', ...(openAiVoice ? (['speech'] as const) : [])]);
  return {
    llmReady: Boolean(saved?.llm_key),
    voiceProblem,
    voiceMissing,
    textFailedTest,
    voiceFailedTest,
    textReady: readable !== undefined && missingKeys('text', readable).length === 0 && !textFailedTest,
    voiceReady: readable !== undefined && missingKeys('voice', readable).length === 0 && !voiceFailedTest,
  };
}
